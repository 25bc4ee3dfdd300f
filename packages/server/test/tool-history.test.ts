/**
 * Issue 18 item 2, `chat.history` of a run with tools — the planner's side, without sockets, on the
 * real gateway's recorded answer (fixtures/tool-frames.ts): the `toolCall` parts and `toolResult`
 * rows come through with their whitelisted fields only, the `activity` list with its whitelisted
 * item fields and without the gateway's message ids, and the answer stays within the page's bounds.
 * Plus the pure parts: the caps a `connect` names, the link's caps.
 */
import { describe, expect, it } from 'vitest'
import { ACTIVITY_ITEM_FIELDS, HISTORY_MESSAGE_FIELDS } from '@clawchat/protocol'
import { knownCaps } from '../src/connection/handshake.js'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext } from '../src/isolation/policy.js'
import { MAX_ACTIVITY_ITEMS, MAX_ACTIVITY_TEXT } from '../src/isolation/sanitize-tool.js'
import { linkCaps } from '../src/upstream/link-client.js'
import { recorded, userRun } from './fixtures/tool-frames.js'

const alice: PlanContext = { namespace: 'clawchat', userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }

async function history(answer: unknown, params: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = planRequest(DEFAULT_METHOD_POLICY, 'chat.history', params, alice)
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return (await r.plan.run(async () => answer)) as Record<string, any>
}

describe('chat.history of a run with tools (recorded)', () => {
  it('has the toolCall and toolResult rows with whitelisted fields, and the run ids rewritten', async () => {
    const out = await history(recorded('history', userRun('alice', 'main', 'run-1')))
    const allowed = new Set<string>([...HISTORY_MESSAGE_FIELDS, 'runId', 'truncated', 'id'])
    for (const m of out.messages) for (const key of Object.keys(m)) expect(allowed, key).toContain(key)
    expect(out.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'toolResult',
      'assistant',
      'user',
      'assistant',
      'toolResult',
      'assistant',
    ])
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'toolCall',
          id: 'call_fake_1_0',
          name: 'read',
          arguments: { path: '/tmp/oc-tools/home/work/probe.txt' },
        },
      ],
      stopReason: 'toolUse',
      timestamp: 1796323165722,
      runId: 'run-1',
      id: '5ff04d62-ecdb-4859-b0f6-fc641d8893fd',
    })
    expect(out.messages[6]).toEqual({
      role: 'toolResult',
      toolCallId: 'call_fake_3_0',
      toolName: 'exec',
      content: [{ type: 'text', text: 'hi-from-exec' }],
      isError: false,
      timestamp: 1796323168987,
      runId: 'run-1',
      id: '92cf2e74-d320-41bc-8528-2fe9853662ad',
    })
  })

  // The real gateway's row for a tool called inside `tool_call` (ask_user), recorded 2026-12-04 in
  // e2e/real-gateway/fixtures/tools/tool-runs-real.json ("question-answered"), ids shortened.
  it('a nested-tool custom row keeps its toolCall and text result, never the upstream run or scope ids', async () => {
    const upstream = userRun('alice', 'main', 'run-9')
    const custom = {
      role: 'custom',
      customType: 'openclaw.nested-tool.v1',
      display: true,
      excludeFromContext: true,
      content: [
        {
          type: 'toolCall',
          id: 'tool_search_code:call_fake_10_0:ask_user:1',
          runId: upstream,
          name: 'ask_user',
          arguments: { questions: [{ id: 'color', question: 'Pick a color?' }], timeoutSeconds: 60 },
          parentToolCallId: 'call_fake_10_0',
          timestamp: 1796384138803,
        },
        {
          runId: upstream,
          scopeId: '9f9ed41a-8624-42a4-beed-db732f24e060',
          afterEntryId: 'd029e0fd-ac57-4134-a8c1-e5604136badf',
          startOrder: 0,
          toolCallId: 'tool_search_code:call_fake_10_0:ask_user:1',
          toolName: 'ask_user',
          isError: false,
          content: [{ type: 'text', text: 'Color: blue' }],
          type: 'toolResult',
          role: 'toolResult',
        },
      ],
      timestamp: 1796384138803,
      idempotencyKey: '9f9ed41a-8624-42a4-beed-db732f24e060:tool_search_code:call_fake_10_0:ask_user:1',
    }
    const out = await history({ sessionKey: 'agent:main:x', messages: [custom] })
    expect(out.messages).toEqual([
      {
        role: 'custom',
        timestamp: 1796384138803,
        content: [
          {
            type: 'toolCall',
            id: 'tool_search_code:call_fake_10_0:ask_user:1',
            name: 'ask_user',
            arguments: { questions: [{ id: 'color', question: 'Pick a color?' }], timeoutSeconds: 60 },
          },
          {
            type: 'toolResult',
            toolCallId: 'tool_search_code:call_fake_10_0:ask_user:1',
            toolName: 'ask_user',
            isError: false,
            content: [{ type: 'text', text: 'Color: blue' }],
          },
        ],
      },
    ])
    expect(JSON.stringify(out)).not.toContain('9f9ed41a')
  })

  it('has the activity items with whitelisted fields, each naming its message by the id the page gives it', async () => {
    const answer = recorded('history', userRun('alice'))
    const out = await history(answer)
    expect(answer.activity[0].messageId).toBeDefined()
    expect(out.activity).toHaveLength(4)
    const assistantIds = out.messages.filter((m: any) => m.role === 'assistant').map((m: any) => m.id)
    expect(out.activity[2]).toEqual({
      messageId: assistantIds[2],
      items: [
        {
          itemId: 'tool:call_fake_3_0',
          toolCallId: 'call_fake_3_0',
          name: 'exec',
          kind: 'tool',
          phase: 'end',
          title: 'Exec',
          status: 'completed',
          commandBearing: true,
        },
      ],
    })
    const text = JSON.stringify(out)
    // An activity entry whose message is not on the page names none.
    const offPage = await history({ ...answer, messages: answer.messages.slice(0, 1) })
    expect(offPage.activity).toEqual([{ items: expect.any(Array) }])
    for (const leak of ['sessionId', 'deltaCursor', 'sessionInfo', 'pendingInputs', '__openclaw', 'gateway-client'])
      expect(text).not.toContain(leak)
  })

  it('keeps the answer within the page: one activity entry per message at most, items and titles cut', async () => {
    const item = (i: number) => ({
      itemId: `tool:c${i}`,
      toolCallId: `c${i}`,
      name: 'exec',
      title: 'x'.repeat(5000),
      status: 'completed',
      cwd: '/srv/secret',
      meta: { nested: 'dropped' },
    })
    const activity = Array.from({ length: 50 }, (_, n) => ({
      messageId: `m${n}`,
      items: Array.from({ length: 200 }, (_, i) => item(i)),
    }))
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ]
    const out = await history({ messages, activity }, { limit: 2 })
    expect(out.activity).toHaveLength(2)
    for (const entry of out.activity) {
      expect(entry.items).toHaveLength(MAX_ACTIVITY_ITEMS)
      for (const kept of entry.items) {
        expect(kept.title).toHaveLength(MAX_ACTIVITY_TEXT)
        for (const key of Object.keys(kept)) expect(ACTIVITY_ITEM_FIELDS as readonly string[]).toContain(key)
      }
    }
    expect(JSON.stringify(out).length).toBeLessThan(2 * MAX_ACTIVITY_ITEMS * (MAX_ACTIVITY_TEXT + 200))
  })

  it('drops activity that is not a list of items, and parts of a toolResult that are not text', async () => {
    const out = await history({
      messages: [
        {
          role: 'toolResult',
          toolCallId: 'c1',
          toolName: 'read',
          content: [
            { type: 'text', text: 'ok' },
            { type: 'image', data: 'AAAA', path: '/srv/img.png' },
          ],
          details: { cwd: '/srv' },
        },
      ],
      activity: [{ messageId: 'm', items: 'no' }, 'junk', { items: [null, { cwd: '/srv' }] }],
    })
    expect(out.messages).toEqual([
      { role: 'toolResult', toolCallId: 'c1', toolName: 'read', content: [{ type: 'text', text: 'ok' }] },
    ])
    expect(out.activity).toBeUndefined()
  })
})

describe('caps', () => {
  it('a connect keeps the known caps only, once each', () => {
    expect(knownCaps(['tool-events', 'approvals', 'thinking', 'tool-events', 7, 'TOOL-EVENTS'])).toEqual([
      'tool-events',
      'approvals',
    ])
    expect(knownCaps(undefined)).toEqual([])
    expect(knownCaps('tool-events')).toEqual([])
  })

  it('the link asks for tool-events, and for the approval caps only with approvals.route', () => {
    expect(linkCaps(false)).toEqual(['tool-events'])
    expect(linkCaps(true)).toEqual(['tool-events', 'exec-approvals', 'plugin-approvals'])
  })
})
