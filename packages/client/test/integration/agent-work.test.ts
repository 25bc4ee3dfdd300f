/**
 * The agent's work through the real proxy and the mock gateway: tool calls, approvals and questions
 * as the SDK shows them, to their user only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalItem, QuestionItem } from '@clawchat/protocol'
import {
  ClawChatRequestError,
  toolCallsFromHistory,
  type ClawChat,
  type StreamPart,
  type ToolCall,
} from '../../src/index.js'
import { startStack, until, type Stack } from './harness.js'

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo hi","title":"say hi"}]]'
const ASK =
  'ask [[TOOL:tool_call]] [[ARGS:{"id":"ask_user","args":{"questions":[{"id":"color","header":"Color",' +
  '"question":"Pick a color?","options":[{"label":"red"},{"label":"blue"}]}],"timeoutSeconds":30}}]]'

/** Everything of the agent's work a client hears. */
function witness(chat: ClawChat) {
  const seen = { tools: [] as ToolCall[], approvals: [] as ApprovalItem[], questions: [] as QuestionItem[] }
  chat.on('tool', (c) => seen.tools.push(c))
  chat.on('exec.approval.requested', (a) => seen.approvals.push(a))
  chat.on('question.requested', (q) => seen.questions.push(q))
  return seen
}

/** Streams `message`, calling `onWaiting` for each part that says the run waits; returns every part. */
async function run(chat: ClawChat, message: string, onWaiting: (p: StreamPart) => Promise<void> = async () => {}) {
  const parts: StreamPart[] = []
  for await (const p of chat.stream(message)) {
    parts.push(p)
    if (p.waiting) await onWaiting(p)
  }
  return parts
}

/** Bob's view after alice's run: a round trip of his own, so that anything sent to him before it has arrived. */
async function settled(bob: ClawChat) {
  await bob.request('sessions.list', {})
}

describe('tool calls (exec runs at once)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => {
    await stack?.close()
  })

  it("stream() parts and on('tool') carry alice's tool call; bob hears nothing of it", async () => {
    const alice = stack.client(await stack.login('alice'))
    const bob = stack.client(await stack.login('bob'))
    await Promise.all([alice.ready, bob.ready])
    const heard = witness(alice)
    const bobHeard = witness(bob)
    const parts = await run(alice, EXEC)
    const last = parts.filter((p) => p.tool).at(-1)!.tool!
    expect(last).toMatchObject({
      name: 'exec',
      title: 'Exec say hi',
      args: { command: 'echo hi', title: 'say hi' },
      status: 'done',
      result: 'hi',
      runId: parts[0]!.runId,
      sessionKey: 'main',
    })
    expect(heard.tools.at(-1)).toEqual(last)
    expect(parts.at(-1)!.state).toBe('final')
    await settled(bob)
    expect(bobHeard).toEqual({ tools: [], approvals: [], questions: [] })
  })

  it('toolCallsFromHistory rebuilds the tool card after a reload', async () => {
    const cookie = await stack.login('carol')
    const first = stack.client(cookie)
    const parts = await run(first, EXEC)
    first.close()
    const reloaded = stack.client(cookie)
    const calls = toolCallsFromHistory(await reloaded.history())
    expect(calls).toEqual([
      expect.objectContaining({
        name: 'exec',
        args: { command: 'echo hi', title: 'say hi' },
        status: 'done',
        result: 'hi',
        runId: parts[0]!.runId,
      }),
    ])
  })
})

describe('approvals and questions (exec asks; users answer their own)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      gateway: { exec: { mode: 'ask' } },
      proxy: { approvals: { route: true }, policy: { approvals: { user: 'own', admin: 'any' } } },
    })
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('the run waits for alice; a second tab lists it after hello-ok; allow-once lets it go on; bob cannot see it', async () => {
    const cookie = await stack.login('alice')
    const alice = stack.client(cookie)
    const bob = stack.client(await stack.login('bob'))
    await Promise.all([alice.ready, bob.ready])
    const bobHeard = witness(bob)
    const parts = await run(alice, EXEC, async (p) => {
      if (p.waiting?.on !== 'approval') return
      const { approval } = p.waiting
      expect(approval.request).toMatchObject({ command: 'echo hi', waitingFor: 'you', sessionKey: 'main' })
      expect(approval.request.allowedDecisions).toContain('allow-once')
      expect(alice.pendingApprovals().map((a) => a.id)).toEqual([approval.id])
      const tab = stack.client(cookie)
      await until(() => tab.pendingApprovals().some((a) => a.id === approval.id), 'the second tab to list it')
      expect(bob.pendingApprovals()).toEqual([])
      const stolen = await bob.resolveApproval(approval.id, 'allow-once').catch((e) => e)
      expect(stolen).toBeInstanceOf(ClawChatRequestError)
      expect(stolen).toMatchObject({ code: 'INVALID_REQUEST', details: { reason: 'APPROVAL_NOT_FOUND' } })
      await alice.resolveApproval(approval.id, 'allow-once')
      await until(() => tab.pendingApprovals().length === 0, 'the second tab to drop it')
      tab.close()
    })
    expect(parts.filter((p) => p.waiting !== undefined).map((p) => p.waiting?.on ?? null)).toEqual(['approval', null])
    expect(parts.filter((p) => p.tool).at(-1)!.tool).toMatchObject({ status: 'done', result: 'hi' })
    expect(alice.pendingApprovals()).toEqual([])
    await settled(bob)
    expect(bobHeard).toEqual({ tools: [], approvals: [], questions: [] })
  })

  it('deny: the tool call fails with the denial', async () => {
    const alice = stack.client(await stack.login('dora'))
    const parts = await run(alice, EXEC, async (p) => {
      if (p.waiting?.on === 'approval') await alice.resolveApproval(p.waiting.approval.id, 'deny')
    })
    const call = parts.filter((p) => p.tool).at(-1)!.tool!
    expect(call.status).toBe('failed')
    expect(call.error).toMatch(/denied/i)
  })

  it('a question: the run waits on it, answerQuestion lets it go on; bob hears nothing', async () => {
    const alice = stack.client(await stack.login('erin'))
    const bob = stack.client(await stack.login('bob'))
    await Promise.all([alice.ready, bob.ready])
    const bobHeard = witness(bob)
    const parts = await run(alice, ASK, async (p) => {
      if (p.waiting?.on !== 'question') return
      expect(p.waiting.question.questions[0]).toMatchObject({ questionId: 'color', question: 'Pick a color?' })
      expect(alice.pendingQuestions()).toHaveLength(1)
      await expect(bob.answerQuestion(p.waiting.question.id, { color: ['red'] })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      })
      await alice.answerQuestion(p.waiting.question.id, { color: ['blue'] })
    })
    expect(parts.filter((p) => p.waiting !== undefined).map((p) => p.waiting?.on ?? null)).toEqual(['question', null])
    const ask = parts.filter((p) => p.tool?.name === 'ask_user').at(-1)!.tool!
    expect(ask).toMatchObject({ status: 'done', result: expect.stringContaining('blue') })
    expect(alice.pendingQuestions()).toEqual([])
    await settled(bob)
    expect(bobHeard).toEqual({ tools: [], approvals: [], questions: [] })
  })
})

describe('approvals under the default policy (only administrators answer)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ gateway: { exec: { mode: 'ask' } }, proxy: { approvals: { route: true } } })
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('alice sees her run wait for an administrator and may not answer; the admin sees it and denies', async () => {
    const alice = stack.client(await stack.login('alice'))
    const admin = stack.client(await stack.login('root', 'Root', 'admin'))
    await Promise.all([alice.ready, admin.ready])
    const parts = await run(alice, EXEC, async (p) => {
      if (p.waiting?.on !== 'approval') return
      const { approval } = p.waiting
      expect(approval.request).toMatchObject({ waitingFor: 'admin', allowedDecisions: [] })
      await expect(alice.resolveApproval(approval.id, 'allow-once')).rejects.toMatchObject({ code: 'FORBIDDEN' })
      await until(() => admin.pendingApprovals().some((a) => a.id === approval.id), "the admin's pending list")
      const seen = admin.pendingApprovals().find((a) => a.id === approval.id)!
      expect(seen.request).toMatchObject({ command: 'echo hi', ownerUserId: 'alice' })
      expect(seen.request.allowedDecisions).toContain('deny')
      await admin.resolveApproval(approval.id, 'deny')
    })
    expect(parts.filter((p) => p.waiting !== undefined).map((p) => p.waiting?.on ?? null)).toEqual(['approval', null])
    expect(parts.filter((p) => p.tool).at(-1)!.tool!.status).toBe('failed')
    await until(() => admin.pendingApprovals().length === 0, "the admin's list to empty")
  })
})
