import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'
import { loadTxt, received, responseTo } from './helpers/reference.js'
import { kind, runEvents, seqPattern } from './helpers/run-frames.js'
import { expectSameShape } from './helpers/shape.js'

/** SESSIONS-AND-BROADCAST Q3 against transcripts-sessions/q3-abort.txt. */
const h = new Harness()
afterEach(() => h.cleanup())

const q3 = loadTxt('transcripts-sessions/q3-abort.txt')
const REF_RUN = '91f8a6ef-4645-4088-8423-aa8d28ee85fc'
const refEvents = runEvents(received(q3, 'A'), REF_RUN)
const slowChunks = () =>
  Array.from({ length: 20 }, (_, i) => `${i === 0 ? '' : ' '}chunk${String(i + 1).padStart(2, '0')}`)
const KEY = 'clawchat:q3:main'

async function startSlowRun(c: RawClient, runId: string): Promise<void> {
  await c.request('chat.send', { sessionKey: KEY, message: '[[SLOW]]', idempotencyKey: runId })
  await c.event(
    'chat',
    (p) => p.runId === runId && p.state === 'delta' && p.message.content[0].text.endsWith('chunk03'),
  )
}

describe('chat.abort', () => {
  it('aborts the caller’s run: the same response, then "aborted" with stopReason rpc and the partial text, events as recorded', async () => {
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 100 })
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    await startSlowRun(a, 'run-abort-1')
    const res = await a.request('chat.abort', { sessionKey: KEY, runId: 'run-abort-1' }, 'A-3')
    const ref = responseTo(q3, 'A-3')
    expect(res).toEqual({ ...ref, payload: { ...ref.payload, runIds: ['run-abort-1'] } })
    await a.event('agent', (p) => p.runId === 'run-abort-1' && p.data?.phase === 'error')
    const events = runEvents(a.frames, 'run-abort-1')
    expect(events.map(kind)).toEqual(refEvents.map(kind))
    events.forEach((e, i) => expectSameShape(e, refEvents[i]))
    expect(seqPattern(events)).toBe(seqPattern(refEvents))
    const aborted = events.find((e) => kind(e) === 'chat:aborted').payload
    expect(aborted).toMatchObject({
      state: 'aborted',
      stopReason: 'rpc',
      message: { content: [{ text: 'chunk01 chunk02 chunk03' }] },
    })
    expect(events.some((e) => kind(e) === 'chat:final')).toBe(false)
    // The aborted event precedes the response, as recorded; B sees it too.
    expect(a.frames.indexOf(events.find((e) => kind(e) === 'chat:aborted'))).toBeLessThan(a.frames.indexOf(res))
    await b.event('chat', (p) => p.runId === 'run-abort-1' && p.state === 'aborted')
  })

  it('history keeps the partial reply; sessionInfo says abortedLastRun and killed; the next send works', async () => {
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 100 })
    const a = await h.connected(gw)
    await startSlowRun(a, 'run-abort-2')
    await a.request('chat.abort', { sessionKey: KEY, runId: 'run-abort-2' })
    const history = await a.request('chat.history', { sessionKey: KEY })
    expect(history.payload.messages.map((m: any) => m.role)).toEqual(['user', 'assistant'])
    expect(history.payload.messages[1].content[0].text).toBe('chunk01 chunk02 chunk03')
    expect(history.payload.messages[1].stopReason).toBe('stop')
    expect(history.payload.sessionInfo).toMatchObject({ abortedLastRun: true, status: 'killed' })
    gw.setAgent(() => ['after'])
    await a.request('chat.send', { sessionKey: KEY, message: 'after abort', idempotencyKey: 'run-after' })
    await a.event('chat', (p) => p.runId === 'run-after' && p.state === 'final')
  })

  it.each([
    ['the same run again', 'A-5', (runId: string) => ({ sessionKey: KEY, runId })],
    ['an unknown runId', 'A-6', () => ({ sessionKey: KEY, runId: 'no-such-run' })],
    ['an idle session, key only', 'A-7', () => ({ sessionKey: KEY })],
    ['an unknown session', 'A-8', () => ({ sessionKey: 'clawchat:never-used:main' })],
  ])('with nothing to abort (%s) answers {ok:true, aborted:false, runIds:[]}', async (_what, refId, params) => {
    const gw = await h.gateway({ agent: () => ['x'] })
    const a = await h.connected(gw)
    await a.request('chat.send', { sessionKey: KEY, message: 'm', idempotencyKey: 'done-run' })
    await a.event('chat', (p) => p.runId === 'done-run' && p.state === 'final')
    expect(await a.request('chat.abort', params('done-run'), refId)).toEqual(responseTo(q3, refId))
  })

  it('chat.abort {} is "session mutation target is unavailable"', async () => {
    const gw = await h.gateway()
    const a = await h.connected(gw)
    expect(await a.request('chat.abort', {}, 'A-9')).toEqual(responseTo(q3, 'A-9'))
  })

  it('another connection without admin gets "unauthorized", with or without runId; the run goes on', async () => {
    const refB = received(q3, 'B').filter((f) => f.type === 'res' && f.ok === false)
    expect(refB.length).toBeGreaterThan(0)
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 60 })
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    await startSlowRun(a, 'run-owned')
    const byId = await b.request('chat.abort', { sessionKey: KEY, runId: 'run-owned' }, refB[0].id)
    expect(byId).toEqual(refB[0])
    const byKey = await b.request('chat.abort', { sessionKey: KEY }, 'B-x')
    expect(byKey.error).toEqual({ code: 'INVALID_REQUEST', message: 'unauthorized' })
    await a.event('chat', (p) => p.runId === 'run-owned' && p.state === 'final', 10_000)
  })

  it('an operator.admin connection can abort another connection’s run', async () => {
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 60 })
    const a = await h.connected(gw)
    const admin = await h.connected(gw, { scopes: ['operator.read', 'operator.write', 'operator.admin'] })
    await startSlowRun(a, 'run-admin')
    const res = await admin.request('chat.abort', { sessionKey: KEY, runId: 'run-admin' })
    expect(res.payload).toEqual({ ok: true, aborted: true, runIds: ['run-admin'] })
  })

  it('the owner can abort by runId naming another session, and key-only aborts the session’s run', async () => {
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 60 })
    const a = await h.connected(gw)
    await startSlowRun(a, 'run-other-key')
    expect(
      (await a.request('chat.abort', { sessionKey: 'clawchat:other:main', runId: 'run-other-key' })).payload,
    ).toEqual({
      ok: true,
      aborted: true,
      runIds: ['run-other-key'],
    })
    await startSlowRun(a, 'run-key-only')
    expect((await a.request('chat.abort', { sessionKey: KEY.toUpperCase() })).payload).toEqual({
      ok: true,
      aborted: true,
      runIds: ['run-key-only'],
    })
  })

  it('after a reconnect the new connection no longer owns the old run (runs belong to the connection)', async () => {
    const gw = await h.gateway({ agent: slowChunks, chunkDelayMs: 60 })
    const a = await h.connected(gw)
    await startSlowRun(a, 'run-orphan')
    a.close()
    await a.closed
    const again = await h.connected(gw)
    const res = await again.request('chat.abort', { sessionKey: KEY, runId: 'run-orphan' })
    expect(res.error).toEqual({ code: 'INVALID_REQUEST', message: 'unauthorized' })
  })
})
