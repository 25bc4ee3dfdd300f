/**
 * Issue 18 items 1–2 in the event router, with a fake registry and the recorded frames of the real
 * gateway (fixtures/tool-frames.ts): the live `tool` stream reaches only the owner's connections
 * that named cap `tool-events`; `item`, `command_output`, lifecycle `waiting-approval` and
 * `approval` reach all the owner's connections; nothing reaches another user or anyone for a
 * session no ClawChat user owns; the payloads carry only whitelisted fields; approval and question
 * events go to the work routing; tool events are forwarded to the other instances and delivered
 * from them; the token a command prints never reaches a browser.
 */
import { describe, expect, it } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { createRedactor } from '../src/common/errors.js'
import { EventRouter, type RoutableConnection, type ToolEventForwarding } from '../src/isolation/router.js'
import { StreamRedactor } from '../src/isolation/stream-redactor.js'
import type { WorkEventRouting } from '../src/isolation/work-routing.js'
import { recorded, recordedAsIs, userRun, type ToolFrameName } from './fixtures/tool-frames.js'

const NS = 'clawchat'
const TOKEN = 'tok-0123456789abcdef0123456789abcdef'

/** A fake browser connection that records what it was sent, serialised and redacted as the outbox does. */
function connection(userId: string, connId: string, caps: string[]) {
  const sent: Array<{ event: string; payload: any }> = []
  const redact = createRedactor([TOKEN])
  const conn: RoutableConnection = {
    connId,
    userId,
    sessionId: undefined,
    caps,
    sendEvent: (event, payload) => void sent.push(JSON.parse(redact(JSON.stringify({ event, payload })))),
  }
  return { conn, sent }
}

/**
 * Alice with three tabs (the SDK's caps, none, approvals only), Bob with the SDK's caps: a router
 * over them, with the stream redactor of the token.
 */
function setup(options: { work?: WorkEventRouting } = {}) {
  const sdk = connection('alice', 'a-sdk', ['tool-events', 'approvals'])
  const bare = connection('alice', 'a-bare', [])
  const approvalsOnly = connection('alice', 'a-appr', ['exec-approvals'])
  const bob = connection('bob', 'b-sdk', ['tool-events', 'approvals'])
  const conns = [sdk.conn, bare.conn, approvalsOnly.conn, bob.conn]
  const registry = { forUser: (userId: string) => conns.filter((c) => c.userId === userId) }
  const router = new EventRouter(NS, registry, new StreamRedactor([TOKEN]), options.work)
  return { router, sdk, bare, approvalsOnly, bob }
}

const agent = (payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: 'agent', payload })
const alice = userRun('alice', 'main', 'run-1')

describe('tool events by caps', () => {
  it("reach only the owner's connections that named tool-events", () => {
    const { router, sdk, bare, approvalsOnly, bob } = setup()
    for (const name of ['readStart', 'readResult', 'execStart', 'execUpdate', 'execResult'] as const) {
      expect(router.route(agent(recorded(name, alice)))).toBe(1)
    }
    expect(sdk.sent.map((s) => s.payload.data.phase)).toEqual(['start', 'result', 'start', 'update', 'result'])
    expect(bare.sent).toEqual([])
    expect(approvalsOnly.sent).toEqual([])
    expect(bob.sent).toEqual([])
  })

  it("item, command_output, waiting-approval and approval events reach every connection of the owner, and nobody else's", () => {
    const { router, sdk, bare, approvalsOnly, bob } = setup()
    const names: ToolFrameName[] = [
      'execItemStart',
      'execOutputDelta',
      'execOutputEnd',
      'waitingApproval',
      'approvalDenied',
    ]
    for (const name of names) expect(router.route(agent(recorded(name, alice)))).toBe(3)
    const streams = ['item', 'command_output', 'command_output', 'lifecycle', 'approval']
    for (const tab of [sdk, bare, approvalsOnly]) expect(tab.sent.map((s) => s.payload.stream)).toEqual(streams)
    expect(bob.sent).toEqual([])
  })

  it('of sessions no ClawChat user owns (as recorded) reach nobody', () => {
    const { router, sdk, bare, approvalsOnly, bob } = setup()
    const names: ToolFrameName[] = ['readStart', 'execUpdate', 'execItemStart', 'execOutputDelta', 'waitingApproval']
    for (const name of names) expect(router.route(agent(recordedAsIs(name)))).toBe(0)
    for (const tab of [sdk, bare, approvalsOnly, bob]) expect(tab.sent).toEqual([])
  })

  it("of bob's run claiming alice's session (or the reverse) reach nobody", () => {
    const { router, sdk, bob } = setup()
    const crossed = { ...recorded('execUpdate', alice), runId: userRun('bob', 'main', 'b1').runId }
    expect(router.route(agent(crossed))).toBe(0)
    expect([...sdk.sent, ...bob.sent]).toEqual([])
  })
})

describe('tool event payloads', () => {
  const seen = (name: ToolFrameName) => {
    const { router, sdk } = setup()
    router.route(agent(recorded(name, alice)))
    return sdk.sent[0]!.payload
  }

  it('exec update: the output so far and its status; no cwd, pid, process session, session row or agent id', () => {
    expect(seen('execUpdate')).toEqual({
      runId: 'run-1',
      sessionKey: 'main',
      stream: 'tool',
      seq: 9,
      ts: 1796323168942,
      data: {
        phase: 'update',
        name: 'exec',
        toolCallId: 'call_fake_3_0',
        partialResult: { content: [{ type: 'text', text: 'hi-from-exec\n' }], details: { status: 'running' } },
      },
    })
  })

  it('exec result: text content, status, exit code and duration; read start: the args; read result: the text', () => {
    expect(seen('execResult').data).toEqual({
      phase: 'result',
      name: 'exec',
      toolCallId: 'call_fake_3_0',
      meta: 'say hi',
      isError: false,
      commandBearing: true,
      result: {
        content: [{ type: 'text', text: 'hi-from-exec' }],
        details: { status: 'completed', exitCode: 0, durationMs: 77 },
      },
    })
    expect(seen('readStart').data).toEqual({
      phase: 'start',
      name: 'read',
      toolCallId: 'call_fake_1_0',
      args: { path: '/tmp/oc-tools/home/work/probe.txt' },
    })
    expect(seen('readResult').data.result).toEqual({ content: [{ type: 'text', text: 'hello from probe file\n' }] })
  })

  it('command_output end: output, status, exit code; no cwd', () => {
    expect(seen('execOutputEnd').data).toEqual({
      itemId: 'command:call_fake_3_0',
      phase: 'end',
      title: 'command say hi',
      toolCallId: 'call_fake_3_0',
      name: 'exec',
      output: 'hi-from-exec',
      status: 'completed',
      exitCode: 0,
      durationMs: 77,
    })
  })

  it('waiting-approval carries the approval and call ids; approval carries what was denied', () => {
    expect(seen('waitingApproval').data).toEqual({
      phase: 'waiting-approval',
      approvalId: '523e2af4-57b4-4293-a4cf-130c93925d57',
      toolCallId: 'call_fake_7_0',
    })
    expect(seen('approvalDenied').data).toEqual({
      phase: 'resolved',
      kind: 'exec',
      status: 'denied',
      title: 'Command approval resolved',
      itemId: 'command:call_fake_9_0',
      toolCallId: 'call_fake_9_0',
      message: 'echo deny-me',
    })
  })

  it("args are a deep copy: what one browser is sent shares nothing with the gateway's frame", () => {
    const { router, sdk } = setup()
    const frame = recorded('execStart', alice)
    frame.data.args.env = JSON.parse('{"nested":{"deeper":["x"]},"__proto__":{"polluted":true}}')
    router.route(agent(frame))
    const args = sdk.sent[0]!.payload.data.args
    expect(args).toEqual({ command: 'echo hi-from-exec', title: 'say hi', env: { nested: { deeper: ['x'] } } })
    expect(Object.hasOwn(args.env, '__proto__')).toBe(false)
    frame.data.args.env.nested.deeper.push('changed later')
    expect(args.env.nested.deeper).toEqual(['x'])
  })
})

describe('approval and question events', () => {
  const names = [
    'exec.approval.requested',
    'exec.approval.resolved',
    'plugin.approval.requested',
    'plugin.approval.resolved',
    'question.requested',
    'question.resolved',
  ]

  it('go to the work routing, which says how many received them', () => {
    const handed: string[] = []
    const { router, sdk, bob } = setup({ work: { route: (frame) => (handed.push(frame.event), 2) } })
    for (const event of names) expect(router.route({ type: 'event', event, payload: { id: 'x' } })).toBe(2)
    expect(handed).toEqual(names)
    expect([...sdk.sent, ...bob.sent]).toEqual([])
  })

  it('stop at the router without it', () => {
    const { router, sdk, bob } = setup()
    for (const event of names) expect(router.route({ type: 'event', event, payload: { id: 'x' } })).toBe(0)
    expect([...sdk.sent, ...bob.sent]).toEqual([])
  })
})

describe('tool events across instances', () => {
  it('are forwarded as the owner sees them, also when the owner has no connection here; nothing else is', () => {
    const forwarded: Array<{ userId: string; payload: any }> = []
    const forwarding: ToolEventForwarding = { forward: (userId, payload) => void forwarded.push({ userId, payload }) }
    const { router } = setup()
    router.forwardToolEvents(forwarding)
    const carol = userRun('carol', 'work', 'c-1')
    expect(router.route(agent(recorded('execUpdate', carol)))).toBe(0)
    router.route(agent(recorded('execItemStart', carol)))
    router.route(agent(recordedAsIs('execUpdate')))
    expect(forwarded).toHaveLength(1)
    expect(forwarded[0]!.userId).toBe('carol')
    expect(forwarded[0]!.payload).toMatchObject({ runId: 'c-1', sessionKey: 'work', stream: 'tool' })
    expect(JSON.stringify(forwarded[0]!.payload)).not.toMatch(/cwd|pid|agent:main|wild-sable/)
  })

  it("from another instance reach the user's connections here that named tool-events", () => {
    const { router, sdk, bare, bob } = setup()
    const payload = { runId: 'run-1', sessionKey: 'main', stream: 'tool', data: { phase: 'start', name: 'exec' } }
    expect(router.deliverToolEvent('alice', payload)).toBe(1)
    expect(sdk.sent).toEqual([{ event: 'agent', payload }])
    expect(router.deliverToolEvent('alice', { ...payload, stream: 'item' })).toBe(0)
    expect(router.deliverToolEvent('alice', 'not an event')).toBe(0)
    expect([...bare.sent, ...bob.sent]).toEqual([])
  })
})

describe('the token a command prints', () => {
  const execOutput = (phase: 'delta' | 'end', output: string, seq: number) =>
    agent({
      ...alice,
      stream: 'command_output',
      seq,
      data: { itemId: 'command:c1', toolCallId: 'c1', name: 'exec', phase, output, status: 'running' },
    })
  const toolUpdate = (text: string, seq: number) =>
    agent({
      ...alice,
      stream: 'tool',
      seq,
      data: { phase: 'update', name: 'exec', toolCallId: 'c1', partialResult: { content: [{ type: 'text', text }] } },
    })

  // In 2026.9.6 each command_output delta is the output so far (cut to its last part when long).
  it('never reaches a browser in the output so far of command_output deltas, at any length', () => {
    const printed = `config: ${TOKEN} ok\n`
    const at = printed.indexOf(TOKEN)
    for (let cut = at; cut <= at + TOKEN.length; cut += 1) {
      const { router, sdk, bare } = setup()
      router.route(execOutput('delta', printed.slice(0, cut), 1))
      router.route(execOutput('delta', printed, 2))
      router.route(execOutput('delta', printed.slice(at + 3), 3)) // a window that starts inside the token
      router.route(execOutput('end', printed, 4))
      for (const tab of [sdk, bare]) {
        const outputs = tab.sent.map((s) => s.payload.data.output)
        for (const output of outputs) expect(output, `cut at ${cut}`).not.toContain(TOKEN.slice(0, 12))
        expect(outputs[0]).toBe(cut === at + TOKEN.length ? 'config: [redacted]' : 'config: ')
        expect(outputs[1]).toBe('config: [redacted] ok\n')
        expect(outputs[2]).toBe(' ok\n')
        expect(outputs[3]).toBe('config: [redacted] ok\n')
        expect(JSON.stringify(tab.sent)).not.toContain(TOKEN)
      }
    }
  })

  it('never reaches a browser in a tool update, a result split into parts, the args, an item title', () => {
    const { router, sdk } = setup()
    router.route(
      agent({
        ...recorded('execStart', alice),
        data: { phase: 'start', name: 'exec', toolCallId: 'c1', args: { command: `echo ${TOKEN}` } },
      }),
    )
    router.route(toolUpdate(`first half ${TOKEN.slice(0, 20)}`, 2))
    router.route(toolUpdate(`${TOKEN.slice(10)} and more`, 3))
    const result = {
      content: [
        { type: 'text', text: `x ${TOKEN.slice(0, 9)}` },
        { type: 'text', text: `${TOKEN.slice(9)} y` },
      ],
    }
    router.route(
      agent({ ...alice, stream: 'tool', seq: 4, data: { phase: 'result', name: 'exec', toolCallId: 'c1', result } }),
    )
    router.route(
      agent({ ...recorded('execItemStart', alice), data: { title: `Exec echo ${TOKEN}`, toolCallId: 'c1' } }),
    )
    const all = JSON.stringify(sdk.sent)
    expect(all).not.toContain(TOKEN)
    const texts = sdk.sent.filter((s) => s.payload.stream === 'tool').map((s) => s.payload.data)
    expect(texts[0].args.command).toBe('echo [redacted]')
    expect(texts[1].partialResult.content[0].text).toBe('first half ')
    // A window that begins inside the token: its end is not sent either.
    expect(texts[2].partialResult.content[0].text).toBe(' and more')
    expect(texts[3].result.content).toEqual([{ type: 'text', text: 'x [redacted] y' }])
  })
})
