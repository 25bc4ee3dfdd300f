/**
 * Approvals and questions end to end (issue 18 items 3 and 4): browsers → clawchatProxy → the mock
 * gateway with exec in ask mode and the link an approval route. Alice's approvals and questions
 * reach alice (and admins, for approvals) only; bob gets nothing of them and every trick of his —
 * list, get, resolve, answer, with guessed or reused ids — gets the answer of an id that does not
 * exist; an admin answers; the decisions are in the audit trail.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SDK_CAPS } from '@clawchat/protocol'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function start(proxy: Record<string, unknown> = {}): Promise<Harness> {
  harness = await startHarness({
    gateway: { exec: { mode: 'ask' } },
    proxy: { approvals: { route: true }, ...proxy },
  })
  await harness.waitForLinkUp()
  return harness
}

/** Logs in and connects with the SDK's caps (or `caps`). */
async function connect(h: Harness, id: string, role: 'user' | 'admin' = 'user', caps: readonly string[] = SDK_CAPS) {
  const client = await h.open(await h.login({ id, role }))
  await client.waitForEvent('connect.challenge')
  const hello = await client.connect({ caps: [...caps] })
  expect(hello.ok).toBe(true)
  return client
}

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo hi","title":"say hi"}]]'
const ASK =
  'ask [[TOOL:tool_call]] [[ARGS:{"id":"ask_user","args":{"questions":[{"id":"color","header":"Color",' +
  '"question":"Pick a color?","options":[{"label":"red"},{"label":"blue"}]}],"timeoutSeconds":30}}]]'

/** The gateway's not-found answers, as the browser receives them (the question's names the id sent). */
const notFound = (what: 'approval' | 'question', id = '') => ({
  code: 'INVALID_REQUEST',
  message: what === 'approval' ? 'unknown or expired approval id' : `question '${id}' was not found`,
  details: { reason: what === 'approval' ? 'APPROVAL_NOT_FOUND' : 'QUESTION_NOT_FOUND' },
})

/** Every frame bob received, as text. */
const seen = (client: TestClient) => client.raw.join('\n')

describe('approvals through the proxy', () => {
  it("alice's approval reaches alice and the admin only; bob cannot see or answer it; the admin answers", async () => {
    const h = await start()
    const alice = await connect(h, 'alice')
    const bob = await connect(h, 'bob')
    const admin = await connect(h, 'root', 'admin')
    const sent = await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-1' })
    expect(sent.ok).toBe(true)
    const asked = await alice.waitForEvent('exec.approval.requested')
    const id: string = asked.payload.id
    expect(asked.payload.request).toMatchObject({
      command: 'echo hi',
      sessionKey: 'main',
      runId: 'a-exec-1',
      waitingFor: 'admin',
      allowedDecisions: [],
    })
    const adminSaw = await admin.waitForEvent('exec.approval.requested', (p) => p.id === id)
    expect(adminSaw.payload.request).toMatchObject({ ownerUserId: 'alice', waitingFor: 'you' })

    // Bob: list, get, resolve with the real id and with a guessed one — the same answers.
    expect((await bob.request('exec.approval.list', {})).payload).toEqual([])
    const guessed = await bob.request('exec.approval.get', { id: 'f0e1d2c3-0000-4000-8000-000000000000' })
    expect(guessed.error).toEqual(notFound('approval'))
    expect((await bob.request('exec.approval.get', { id })).error).toEqual(guessed.error)
    expect((await bob.request('approval.get', { id })).error).toEqual(guessed.error)
    const bobResolve = await bob.request('exec.approval.resolve', { id, decision: 'allow-once' })
    expect(bobResolve.error).toEqual(guessed.error)
    // The gateway expands an 8-character prefix: bob's prefix of alice's id resolves nothing.
    for (const prefix of [id.slice(0, 8), id.slice(0, 12)]) {
      const byPrefix = await bob.request('exec.approval.resolve', { id: prefix, decision: 'deny' })
      expect(byPrefix.error).toEqual(guessed.error)
      expect((await bob.request('approval.resolve', { id: prefix, kind: 'exec', decision: 'deny' })).error).toEqual(
        guessed.error,
      )
    }
    expect(h.gateway?.requests.filter((r) => r.method.endsWith('.resolve'))).toEqual([])
    // Alice sees her own in the list, but by default may not answer it.
    const list = await alice.request('exec.approval.list', {})
    expect(list.payload.map((a: { id: string }) => a.id)).toEqual([id])
    const refused = await alice.request('exec.approval.resolve', { id, decision: 'allow-once' })
    expect(refused.error?.code).toBe('FORBIDDEN')

    expect((await admin.request('exec.approval.resolve', { id, decision: 'allow-once' })).payload).toEqual({ ok: true })
    const resolved = await alice.waitForEvent('exec.approval.resolved', (p) => p.id === id)
    expect(resolved.payload).toMatchObject({ decision: 'allow-once', resolvedBy: 'admin' })
    await alice.waitForEvent('chat', (p) => p.runId === 'a-exec-1' && p.state === 'final')
    // Reused after it was resolved: still nothing for bob.
    expect((await bob.request('exec.approval.resolve', { id, decision: 'deny' })).error).toEqual(guessed.error)

    for (const needle of [id, 'echo hi', 'alice']) expect(seen(bob)).not.toContain(needle)
    expect(bob.events('exec.approval.requested')).toEqual([])
    expect(bob.events('exec.approval.resolved')).toEqual([])
    const decisions = h.capture.audit.filter((line) => line.includes('"approval.decision"')).map((l) => JSON.parse(l))
    expect(decisions).toMatchObject([{ userId: 'root', role: 'admin', decision: 'allow-once', ownerUserId: 'alice' }])
  })

  it("with policy user: 'own' alice answers her own; allow-always stays refused", async () => {
    const h = await start({ policy: { approvals: { user: 'own' } } })
    const alice = await connect(h, 'alice')
    await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-2' })
    const asked = await alice.waitForEvent('exec.approval.requested')
    expect(asked.payload.request).toMatchObject({ waitingFor: 'you', allowedDecisions: ['allow-once', 'deny'] })
    const always = await alice.request('exec.approval.resolve', { id: asked.payload.id, decision: 'allow-always' })
    expect(always.error?.code).toBe('FORBIDDEN')
    const deny = await alice.request('exec.approval.resolve', { id: asked.payload.id, decision: 'deny' })
    expect(deny.payload).toEqual({ ok: true })
    const resolved = await alice.waitForEvent('exec.approval.resolved')
    expect(resolved.payload).toMatchObject({ decision: 'deny', resolvedBy: 'user' })
    await alice.waitForEvent('chat', (p) => p.runId === 'a-exec-2' && p.state === 'final')
  })

  it('nobody who may answer is connected: the proxy denies it after unattendedDenyMs and tells alice why', async () => {
    const h = await start({ approvals: { route: true, unattendedDenyMs: 1000 } })
    const alice = await connect(h, 'alice')
    await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-4' })
    const asked = await alice.waitForEvent('exec.approval.requested')
    const resolved = await alice.waitForEvent('exec.approval.resolved', (p) => p.id === asked.payload.id, 8000)
    expect(resolved.payload).toMatchObject({ decision: 'deny', resolvedBy: 'clawchat' })
    expect(resolved.payload.reason).toMatch(/Nobody who may answer this approval was connected for 1 second,/)
    await alice.waitForEvent('chat', (p) => p.runId === 'a-exec-4' && p.state === 'final')
    const decisions = h.capture.audit.filter((line) => line.includes('"approval.decision"')).map((l) => JSON.parse(l))
    expect(decisions).toMatchObject([{ userId: 'clawchat', decision: 'deny', ownerUserId: 'alice', outcome: 'ok' }])
  })

  it('an abort while pending resolves it as the gateway did', async () => {
    const h = await start()
    const alice = await connect(h, 'alice')
    await connect(h, 'root', 'admin')
    await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-5' })
    const asked = await alice.waitForEvent('exec.approval.requested')
    expect((await alice.request('chat.abort', { runId: 'a-exec-5' })).ok).toBe(true)
    const resolved = await alice.waitForEvent('exec.approval.resolved', (p) => p.id === asked.payload.id)
    expect(resolved.payload).toMatchObject({ decision: 'deny', resolvedBy: 'gateway' })
    expect(JSON.stringify(resolved.payload)).not.toContain('approval-scope-closed')
  })

  it('after the link reconnects the proxy re-lists the pending approvals, and the waiting one is still answerable', async () => {
    const h = await start()
    const gateway = h.gateway!
    const alice = await connect(h, 'alice')
    const admin = await connect(h, 'root', 'admin')
    await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-6' })
    const id: string = (await alice.waitForEvent('exec.approval.requested')).payload.id
    const [before] = gateway.connections().filter((c) => c.authenticated)
    expect(gateway.disconnect(before!.id, 1012, 'service restart')).toBe(true)
    const relisted = await waitFor(() =>
      gateway.requests.find((r) => r.method === 'exec.approval.list' && r.connectionId !== before!.id),
    )
    expect(relisted.params).toEqual({})
    expect((await alice.request('exec.approval.list', {})).payload.map((a: { id: string }) => a.id)).toEqual([id])
    expect((await admin.request('exec.approval.resolve', { id, decision: 'allow-once' })).payload).toEqual({ ok: true })
    const resolved = await alice.waitForEvent('exec.approval.resolved', (p) => p.id === id)
    expect(resolved.payload).toMatchObject({ decision: 'allow-once', resolvedBy: 'admin' })
  })

  it('a connection without approval caps gets no approval events', async () => {
    const h = await start()
    const alice = await connect(h, 'alice')
    const plain = await connect(h, 'alice', 'user', [])
    await alice.request('chat.send', { message: EXEC, idempotencyKey: 'a-exec-3' })
    await alice.waitForEvent('exec.approval.requested')
    // The same run's events up to the approval have reached `plain` too (one link, in order).
    await waitFor(() => plain.events('agent').length > 0, 5000, 'agent events on the no-caps socket')
    expect(plain.events('exec.approval.requested')).toEqual([])
  })
})

describe('questions through the proxy', () => {
  it("alice's question reaches alice only; bob cannot answer it; alice does", async () => {
    const h = await start()
    const alice = await connect(h, 'alice', 'user', [])
    const bob = await connect(h, 'bob')
    const admin = await connect(h, 'root', 'admin')
    await alice.request('chat.send', { message: ASK, idempotencyKey: 'a-ask-1' })
    const asked = await alice.waitForEvent('question.requested')
    const id: string = asked.payload.id
    expect(asked.payload).toMatchObject({ sessionKey: 'main', runId: 'a-ask-1', status: 'pending' })
    expect(asked.payload.questions[0]).toMatchObject({ questionId: 'color', question: 'Pick a color?' })

    expect((await bob.request('question.list', {})).payload).toEqual({ questions: [] })
    const guessed = await bob.request('question.resolve', { id: 'ask_0000', answers: { answers: { color: ['red'] } } })
    expect(guessed.error).toEqual(notFound('question', 'ask_0000'))
    const stolen = await bob.request('question.resolve', { id, answers: { answers: { color: ['red'] } } })
    expect(stolen.error).toEqual(notFound('question', id))
    expect((await bob.request('question.resolve', { id, cancel: true })).error).toEqual(notFound('question', id))
    expect((await alice.request('question.list', {})).payload.questions.map((q: { id: string }) => q.id)).toEqual([id])

    const answered = await alice.request('question.resolve', { id, answers: { answers: { color: ['blue'] } } })
    expect(answered.payload).toMatchObject({ status: 'answered', answers: { answers: { color: ['blue'] } } })
    const resolved = await alice.waitForEvent('question.resolved', (p) => p.id === id)
    expect(resolved.payload).toMatchObject({ status: 'answered' })
    await alice.waitForEvent('chat', (p) => p.runId === 'a-ask-1' && p.state === 'final')
    for (const client of [bob, admin]) {
      expect(client.events('question.requested')).toEqual([])
      expect(client.events('question.resolved')).toEqual([])
      // Bob's not-found answers name the id he sent himself (as the gateway's do); nothing else does.
      const echoed = `"message":"question '${id}' was not found"`
      expect(seen(client).split(echoed).join('')).not.toContain(id)
    }
    const answers = h.capture.audit.filter((line) => line.includes('"question.answer"')).map((l) => JSON.parse(l))
    expect(answers).toMatchObject([{ userId: 'alice', questionId: id, status: 'answered', outcome: 'ok' }])
  })
})
