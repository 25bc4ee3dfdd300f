/**
 * Managing one's own chats (issue 20), planned: `sessions.patch` (rename, pin, archive),
 * `sessions.delete` and `sessions.rewind` go upstream on the caller's own session only, with only
 * the fields ClawChat allows, in the shapes measured on openclaw 2026.9.6 (/work/brief/FACTS20.md,
 * e2e/real-gateway/manage-facts.test.ts); the answers and errors come back in the caller's names.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext, type UpstreamCall } from '../src/isolation/policy.js'
import { sanitizeGatewayError } from '../src/isolation/sanitize.js'
import { gatewaySessionKey } from '../src/isolation/session-keys.js'
import { UpstreamError } from '../src/upstream/upstream-error.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }
const WORK = gatewaySessionKey(NS, 'alice', 'work')
const PREFIX = gatewaySessionKey(NS, 'alice', '')
const SESSION_ID = 'aca8d30d-6e40-44e2-a4a0-d560aa588388'

type Call = { method: string; params: Record<string, unknown> }

/** A fake gateway answering from a script per method; records every call. */
function gateway(answers: Record<string, (params: Record<string, unknown>) => unknown>) {
  const calls: Call[] = []
  const call: UpstreamCall = async (method, params) => {
    calls.push({ method, params })
    const answer = answers[method]
    if (!answer) throw new Error(`unexpected upstream ${method}`)
    return answer(params)
  }
  return { calls, call }
}

/** The gateway's `chat.history` of an existing session (what the lookup reads its `sessionId` from). */
const existing = () => ({ sessionKey: `agent:main:${WORK}`, sessionId: SESSION_ID, messages: [] })
/** The gateway's `chat.history` of a key it has no session for. */
const unknown = () => ({ sessionKey: `agent:main:${WORK}`, messages: [] })

function plan(method: string, params: unknown, ctx = alice) {
  const result = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.error)}`)
  return result.plan
}

function refusal(method: string, params: unknown, ctx = alice) {
  const result = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (result.ok) throw new Error('expected a refusal')
  return result.error
}

/** What the browser is told of a failed plan (as `connection/requests.ts` sanitises it). */
async function browserError(run: Promise<unknown>, ctx = alice) {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UpstreamError)
  return sanitizeGatewayError(ctx, (error as UpstreamError).shape)
}

/** The gateway's answer to a patch (measured: `entry` with `label`, `pinnedAt`, `archivedAt`, and a server path). */
const patched = (entry: Record<string, unknown>) => () => ({
  ok: true,
  path: '/srv/openclaw-state/agents/main/agent/openclaw-agent.sqlite',
  key: `agent:main:${WORK}`,
  entry: { sessionId: SESSION_ID, lifecycleRevision: 'r2', ...entry },
})

describe('sessions.patch', () => {
  it('renames behind the user prefix and answers the label without it', async () => {
    const up = gateway({ 'sessions.patch': patched({ label: `${PREFIX}Trip to Lisbon` }) })
    const answer = await plan('sessions.patch', { key: 'Work', label: '  Trip to Lisbon ' }).run(up.call)
    expect(up.calls).toEqual([{ method: 'sessions.patch', params: { key: WORK, label: `${PREFIX}Trip to Lisbon` } }])
    expect(answer).toEqual({ ok: true, key: 'work', label: 'Trip to Lisbon', pinned: false, archived: false })
    expect(JSON.stringify(answer)).not.toContain('/srv')
  })

  it('clears a label with null, and pins without any other field', async () => {
    const up = gateway({ 'sessions.patch': patched({ pinnedAt: 1764000000000 }) })
    expect(await plan('sessions.patch', { key: 'work', label: null, pinned: true }).run(up.call)).toEqual({
      ok: true,
      key: 'work',
      pinned: true,
      archived: false,
    })
    expect(up.calls[0]?.params).toEqual({ key: WORK, label: null, pinned: true })
  })

  it("archives with the session's current id, read first (the gateway needs expectedSessionId)", async () => {
    const up = gateway({ 'chat.history': existing, 'sessions.patch': patched({ archivedAt: 1764000000001 }) })
    const answer = await plan('sessions.patch', { key: 'work', archived: true }).run(up.call)
    expect(up.calls.map((c) => c.method)).toEqual(['chat.history', 'sessions.patch'])
    expect(up.calls[0]?.params).toMatchObject({ sessionKey: WORK, limit: 1, maxChars: 1 })
    expect(up.calls[1]?.params).toEqual({ key: WORK, archived: true, expectedSessionId: SESSION_ID })
    expect(answer).toEqual({ ok: true, key: 'work', pinned: false, archived: true })
  })

  it('refuses to archive a session that does not exist, and changes nothing', async () => {
    const up = gateway({ 'chat.history': unknown })
    const error = await browserError(plan('sessions.patch', { key: 'gone', archived: false }).run(up.call))
    expect(error).toEqual({ code: 'INVALID_REQUEST', message: 'session not found: gone' })
    expect(up.calls.map((c) => c.method)).toEqual(['chat.history'])
  })

  it("says a taken label in the user's own words: never the prefix", async () => {
    const up = gateway({
      'sessions.patch': (params) => {
        throw new UpstreamError('gateway', {
          code: 'INVALID_REQUEST',
          message: `label already in use: ${params.label}`,
        })
      },
    })
    const error = await browserError(plan('sessions.patch', { key: 'work', label: 'Trip' }).run(up.call))
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toBe('label "Trip" is already the name of another of your chats: choose another name')
  })

  it('rewrites the gateway key in its errors to the browser key', async () => {
    const up = gateway({
      'chat.history': existing,
      'sessions.patch': () => {
        throw new UpstreamError('gateway', {
          code: 'INVALID_REQUEST',
          message: `Session ${WORK} changed before patch. Retry.`,
          details: { reason: 'session-changed' },
        })
      },
    })
    const error = await browserError(plan('sessions.patch', { key: 'work', archived: true }).run(up.call))
    expect(error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Session work changed before patch. Retry.',
      details: { reason: 'session-changed' },
    })
  })

  it.each([
    [{ label: 'x' }, /key is required/],
    [{ key: '../alice', label: 'x' }, /^invalid sessions.patch params: key "..\/alice" is not valid/],
    [{ key: 'work' }, /name at least one of label, pinned, archived/],
    [{ key: 'work', label: '' }, /label must be 1 to 100 characters .*got an empty label/],
    [{ key: 'work', label: '   ' }, /got an empty label/],
    [{ key: 'work', label: 'x'.repeat(101) }, /got 101 characters/],
    [{ key: 'work', label: 'a\nb' }, /got U\+000A at index 1/],
    [{ key: 'work', label: 'a\u0000b' }, /got U\+0000/],
    [{ key: 'work', label: 'a\u2028b' }, /got U\+2028/],
    [{ key: 'work', label: 'bad\uD800' }, /got U\+D800/],
    [{ key: 'work', label: 42 }, /label must be .* or null; got number/],
    [{ key: 'work', pinned: 'yes' }, /pinned must be a boolean, got string/],
    [{ key: 'work', archived: 1 }, /archived must be a boolean, got number/],
    [{ key: 'work', label: 'x', icon: '🦀' }, /unexpected property 'icon'/],
    [{ key: 'work', pinned: true, expectedSessionId: SESSION_ID }, /unexpected property 'expectedSessionId'/],
  ])('refuses %j naming the bad field', (params, message) => {
    const error = refusal('sessions.patch', params)
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toMatch(message)
  })

  it('takes 100 characters (emoji count as one each), and refuses a label that would not fit the gateway', () => {
    expect(planRequest(DEFAULT_METHOD_POLICY, 'sessions.patch', { key: 'w', label: '🦀'.repeat(100) }, alice).ok).toBe(
      true,
    )
    // The longest user id (266 bytes) leaves 76 characters of the gateway's 512 behind its prefix.
    const long = { ...alice, userId: 'u'.repeat(266) }
    expect(refusal('sessions.patch', { key: 'w', label: 'x'.repeat(100) }, long).message).toMatch(
      /label must be at most 76 characters for your account/,
    )
  })
})

describe('sessions.delete', () => {
  it('archives with the current session id, then deletes archivedOnly with the transcript', async () => {
    const up = gateway({
      'chat.history': existing,
      'sessions.patch': patched({ archivedAt: 1 }),
      'sessions.delete': () => ({ ok: true, key: `agent:main:${WORK}`, deleted: true, archived: ['/srv/x.zst'] }),
    })
    const answer = await plan('sessions.delete', { key: 'work' }).run(up.call)
    expect(up.calls).toEqual([
      { method: 'chat.history', params: expect.objectContaining({ sessionKey: WORK }) },
      { method: 'sessions.patch', params: { key: WORK, archived: true, expectedSessionId: SESSION_ID } },
      { method: 'sessions.delete', params: { key: WORK, archivedOnly: true, deleteTranscript: true } },
    ])
    expect(answer).toEqual({ ok: true, key: 'work', deleted: true })
  })

  it('answers deleted:false for a session that does not exist (or is gone already), changing nothing', async () => {
    const up = gateway({ 'chat.history': unknown })
    expect(await plan('sessions.delete', { key: 'gone' }).run(up.call)).toEqual({
      ok: true,
      key: 'gone',
      deleted: false,
    })
    expect(up.calls.map((c) => c.method)).toEqual(['chat.history'])
  })

  it.each([
    [{}, /key is required/],
    [{ key: 'agent:main:main' }, /key "agent:main:main" is not valid/],
    [{ key: 'work', archivedOnly: false }, /unexpected property 'archivedOnly'/],
    [{ key: 'work', deleteTranscript: false }, /unexpected property 'deleteTranscript'/],
  ])('refuses %j naming the bad field', (params, message) => {
    expect(refusal('sessions.delete', params).message).toMatch(message)
  })
})

describe('sessions.rewind', () => {
  it("rewinds the caller's own session and answers the message's text only", async () => {
    const up = gateway({ 'sessions.rewind': () => ({ editorText: 'Hello there' }) })
    const answer = await plan('sessions.rewind', { sessionKey: 'work', entryId: 'e-1' }).run(up.call)
    expect(up.calls).toEqual([{ method: 'sessions.rewind', params: { sessionKey: WORK, entryId: 'e-1' } }])
    expect(answer).toEqual({ ok: true, editorText: 'Hello there' })
    const bare = gateway({ 'sessions.rewind': () => ({ editorAttachments: [{ mimeType: 'x', data: 'y' }] }) })
    expect(await plan('sessions.rewind', { sessionKey: 'work', entryId: 'e-1' }).run(bare.call)).toEqual({ ok: true })
  })

  it("passes the gateway's refusals on, in the browser's names", async () => {
    const refuse = (code: string, message: string) =>
      gateway({
        'sessions.rewind': () => {
          throw new UpstreamError('gateway', { code, message })
        },
      })
    const cases: Array<[string, string, string]> = [
      ['INVALID_REQUEST', 'entry is not a user message: e-2', 'entry is not a user message: e-2'],
      ['INVALID_REQUEST', `session not found: ${WORK}`, 'session not found: work'],
      [
        'UNAVAILABLE',
        'Rewind is unavailable while the agent is working.',
        'Rewind is unavailable while the agent is working.',
      ],
    ]
    for (const [code, upstream, shown] of cases) {
      const up = refuse(code, upstream)
      const error = await browserError(plan('sessions.rewind', { sessionKey: 'work', entryId: 'e-2' }).run(up.call))
      expect(error).toEqual({ code, message: shown })
    }
  })

  it.each([
    [{ entryId: 'e' }, /sessionKey is required/],
    [{ sessionKey: 'work' }, /entryId must be the id of one of the session's user messages/],
    [{ sessionKey: 'work', entryId: '' }, /entryId must be/],
    [{ sessionKey: 'work', entryId: 'x'.repeat(201) }, /1 to 200 characters/],
    [{ sessionKey: 'work', entryId: 'a\u0007' }, /without control characters/],
    [{ sessionKey: 'work', entryId: 7 }, /entryId must be/],
    [{ sessionKey: 'work', entryId: 'e', agentId: 'main' }, /unexpected property 'agentId'/],
  ])('refuses %j naming the bad field', (params, message) => {
    expect(refusal('sessions.rewind', params).message).toMatch(message)
  })
})
