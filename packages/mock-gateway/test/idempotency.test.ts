import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { loadTxt, responseTo } from './helpers/reference.js'
import { runEvents } from './helpers/run-frames.js'

/** SESSIONS-AND-BROADCAST Q4, case by case against transcripts-sessions/q4-idempotency.txt. */
const h = new Harness()
afterEach(() => h.cleanup())

const q4 = loadTxt('transcripts-sessions/q4-idempotency.txt')
const K = 'idem-key-1'
const S1 = 'clawchat:q4a:main'
const S2 = 'clawchat:q4b:main'

/** The recorded response with its runId replaced by ours (runIds are the volatile idempotency keys). */
function expected(id: string): any {
  const ref = structuredClone(responseTo(q4, id))
  if (ref.payload?.runId) ref.payload.runId = K
  return ref
}

describe('idempotency (global per idempotencyKey)', () => {
  it('answers in_flight, conflict and the other session’s run exactly as recorded, while the run is in flight', async () => {
    const gw = await h.gateway({ agent: () => ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 150 })
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    const send = (c: typeof a, id: string, sessionKey: string, message: string) =>
      c.request('chat.send', { sessionKey, message, idempotencyKey: K }, id)
    expect(await send(a, 'A-2', S1, 'first')).toEqual(expected('A-2'))
    expect(await send(a, 'A-3', S1, 'first')).toEqual(expected('A-3'))
    expect(await send(b, 'B-2', S1, 'first')).toEqual(expected('B-2'))
    expect(await send(a, 'A-4', S1, 'changed')).toEqual(expected('A-4'))
    expect(await send(a, 'A-5', S2, 'first')).toEqual(expected('A-5'))

    await a.event('chat', (p) => p.runId === K && p.state === 'final', 10_000)
    expect(await send(a, 'A-6', S1, 'first')).toEqual(expected('A-6'))
    expect(await send(b, 'B-3', S1, 'first')).toEqual(expected('B-3'))
    expect(await send(a, 'A-7', S1, 'changed after')).toEqual(expected('A-7'))
    expect(await send(a, 'A-8', S2, 'first')).toEqual(expected('A-8'))
    expect(await send(a, 'A-9', S2, 'other session')).toEqual(expected('A-9'))

    // Only one run happened, on S1; S2 got nothing.
    expect(new Set(runEvents(a.frames, K).map((e) => e.payload.sessionKey))).toEqual(
      new Set(['agent:main:clawchat:q4a:main']),
    )
    expect(runEvents(a.frames, K).filter((e) => e.payload.state === 'final')).toHaveLength(1)
    const h2 = await a.request('chat.history', { sessionKey: S2 })
    expect(h2.payload.messages).toEqual([])
    const list = await a.request('sessions.list', {})
    expect(list.payload.sessions.map((s: any) => s.key)).not.toContain('agent:main:clawchat:q4b:main')
  })

  it('a fresh key on the other session starts a run as usual', async () => {
    const ref = responseTo(q4, 'A-13')
    const gw = await h.gateway({ agent: () => ['x'] })
    const c = await h.connected(gw)
    const res = await c.request('chat.send', { sessionKey: S2, message: 'control', idempotencyKey: 'fresh-1' }, 'A-13')
    expect(res).toEqual({ ...ref, payload: { runId: 'fresh-1', status: 'started' } })
  })

  it('a restarted gateway has forgotten its idempotency cache (it lives in memory)', async () => {
    const gw = await h.gateway({ agent: () => ['x'] })
    const c = await h.connected(gw)
    await c.request('chat.send', { sessionKey: S1, message: 'm', idempotencyKey: 'restart-key' })
    await c.event('chat', (p) => p.runId === 'restart-key' && p.state === 'final')
    await gw.restart()
    const d = await h.connected(gw)
    const res = await d.request('chat.send', { sessionKey: S1, message: 'm', idempotencyKey: 'restart-key' })
    expect(res.payload.status).toBe('started')
  })
})
