import { once } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Harness, TOKEN } from './helpers/harness.js'
import { connectParams, type RawClient } from './helpers/raw-client.js'
import { loadJsonl, received, recordedClose } from './helpers/reference.js'
import { expectSameShape } from './helpers/shape.js'

/**
 * GATEWAY.md "Errors and closes", row by row, against transcripts/step6-*.jsonl and matrix-*.jsonl:
 * the same code, message, details and close code; shapes compared, volatile values not.
 */
const h = new Harness()
afterEach(() => h.cleanup())

/**
 * Resolves once the gateway has answered a ping (or closed): a close frame sent before the pong
 * would have arrived first.
 */
async function pingAnswered(c: RawClient): Promise<void> {
  c.ws.ping()
  await Promise.race([once(c.ws, 'pong'), c.closed])
}

/** The recorded response frame and close of a step6/matrix transcript. */
function recorded(file: string) {
  const lines = loadJsonl(`transcripts/${file}`)
  const frames = received(lines)
  return {
    challenge: frames[0],
    response: frames.find((f) => f.type === 'res'),
    close: recordedClose(lines),
    sent: lines.filter((l) => l.dir === '>>'),
  }
}

/** Sends what the recorded client sent (token replaced by ours unless it was the wrong one) and collects the outcome. */
async function replay(file: string, opts: { keepToken?: boolean } = {}) {
  const ref = recorded(file)
  const gw = await h.gateway()
  const c = await h.client(gw)
  await c.challenge()
  for (const line of ref.sent) {
    const frame = structuredClone(line.frame)
    if (typeof frame === 'object' && frame.params?.auth?.token === 'secret123' && !opts.keepToken)
      frame.params.auth.token = TOKEN
    c.send(frame)
  }
  const close = await c.closed
  return { ref, frames: c.frames, response: c.frames.find((f) => f.type === 'res'), close }
}

describe('connect.challenge', () => {
  it('comes first, with nonce, ts and capabilities and no seq (as recorded)', async () => {
    const ref = recorded('step6-no-frame.jsonl')
    const gw = await h.gateway()
    const c = await h.client(gw)
    const challenge = await c.challenge()
    expect(c.frames[0]).toBe(challenge)
    expectSameShape(challenge, ref.challenge)
    expect(challenge.seq).toBeUndefined()
    expect(challenge.payload.capabilities).toEqual(ref.challenge.payload.capabilities)
    expect(Math.abs(challenge.payload.ts - Date.now())).toBeLessThan(10_000)
  })
})

describe('errors and closes (GATEWAY.md table)', () => {
  it('wrong token: INVALID_REQUEST token mismatch with AUTH_TOKEN_MISMATCH details, close 1008', async () => {
    const r = await replay('step6-wrong-token.jsonl', { keepToken: true })
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('wrong token: each further wrong try from the same address answers slower', async () => {
    const gw = await h.gateway({ authFailureDelay: { initialMs: 60, maxMs: 1000 } })
    const times: number[] = []
    for (let i = 0; i < 3; i += 1) {
      const c = await h.client(gw)
      await c.challenge()
      const start = Date.now()
      const res = await c.request('connect', connectParams({ token: 'wrong-token' }), '1')
      times.push(Date.now() - start)
      expect(res.error.details.code).toBe('AUTH_TOKEN_MISMATCH')
      await c.closed
    }
    // 60, 120, 240 ms: strictly growing, with generous margins for a loaded machine.
    expect(times[0]).toBeGreaterThanOrEqual(50)
    expect(times[1]).toBeGreaterThanOrEqual(110)
    expect(times[2]).toBeGreaterThanOrEqual(220)
    expect(times[2]!).toBeGreaterThan(times[0]!)
    // A correct token afterwards is accepted (and resets the counter).
    const ok = await h.client(gw)
    expect((await ok.connect(connectParams({ token: TOKEN }))).ok).toBe(true)
  })

  it('first request not connect: "invalid handshake: first request must be connect", close 1008', async () => {
    const r = await replay('step6-not-connect.jsonl')
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('invalid JSON: no response, close 1000 with an empty reason', async () => {
    const r = await replay('step6-invalid-json.jsonl')
    expect(r.frames.filter((f) => f.type === 'res')).toEqual([])
    expect(r.close).toEqual({ code: 1000, reason: '' })
    expect(r.close).toEqual(r.ref.close)
  })

  it('protocol 3: "protocol mismatch" with PROTOCOL_MISMATCH details (expectedProtocol 4), close 1002', async () => {
    const r = await replay('step6-bad-protocol.jsonl')
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('missing client.version: "invalid connect params: at /client: …", close 1008', async () => {
    const r = await replay('step6-bad-params.jsonl')
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('unknown client id: rejected by the official registry, close 1008', async () => {
    const r = await replay('matrix-bogus-backend.jsonl')
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('connect params are strict: an unknown field fails the handshake', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN, extra: { bogus: true } }))
    expect(res.error).toEqual({
      code: 'INVALID_REQUEST',
      message: "invalid connect params: at root: unexpected property 'bogus'",
    })
    expect(await c.closed).toEqual({
      code: 1008,
      reason: "invalid connect params: at root: unexpected property 'bogus'",
    })
  })

  it('no token and no device: NOT_PAIRED "device identity required", close 1008', async () => {
    const r = await replay('step6-no-token.jsonl')
    expect(r.response).toEqual(r.ref.response)
    expect(r.close).toEqual(r.ref.close)
  })

  it('no frame at all: close 1000 with an empty reason after the handshake timeout (15 s by default)', async () => {
    const ref = recorded('step6-no-frame.jsonl')
    const gw = await h.gateway({ handshakeTimeoutMs: 300 })
    const c = await h.client(gw)
    const start = Date.now()
    const close = await c.closed
    const elapsed = Date.now() - start
    expect(close).toEqual(ref.close)
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(5000)
    expect(c.frames.map((f) => f.event)).toEqual(['connect.challenge'])
  })

  it('the default handshake timeout is the real 15 s: a quiet socket stays open until then, and is closed at 15 s', async () => {
    const ref = recorded('step6-no-frame.jsonl')
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const gw = await h.gateway()
      const c = await h.client(gw)
      await c.challenge()
      vi.advanceTimersByTime(14_999)
      await pingAnswered(c)
      expect(c.ws.readyState).toBe(c.ws.OPEN)
      vi.advanceTimersByTime(1)
      expect(await c.closed).toEqual(ref.close)
    } finally {
      vi.useRealTimers()
    }
  })

  it('shutdown: a `shutdown` event, then close 1012', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    await gw.close()
    const close = await c.closed
    expect(close.code).toBe(1012)
    expect(close.reason).toBe('service restart') // as the real gateway, compared in e2e/real-gateway
    const shutdown = c.events('shutdown')
    expect(shutdown).toHaveLength(1)
    expect(c.frames[c.frames.length - 1]).toBe(shutdown[0])
    expect(typeof shutdown[0].payload.reason).toBe('string')
    expect(typeof shutdown[0].seq).toBe('number')
  })

  it('gateway still starting (startupMs): retryable UNAVAILABLE "gateway starting; retry shortly", close 1013, then accepted', async () => {
    const ref = recorded('startup-early-connect.jsonl')
    vi.useFakeTimers({ toFake: ['Date'] }) // the gateway's clock stands still until advanced
    try {
      const gw = await h.gateway({ startupMs: 400 })
      const c = await h.client(gw)
      const res = await c.connect(connectParams({ token: TOKEN }), '1')
      expect(res).toEqual(ref.response)
      expect(await c.closed).toEqual(ref.close)
      vi.advanceTimersByTime(399)
      const early = await h.client(gw)
      expect((await early.connect(connectParams({ token: TOKEN }), '1')).error.code).toBe('UNAVAILABLE')
      vi.advanceTimersByTime(1)
      const later = await h.client(gw)
      expect((await later.connect(connectParams({ token: TOKEN }))).ok).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })

  it('missing scope: FORBIDDEN "missing scope: operator.read" with MISSING_SCOPE details (test/test has no scopes)', async () => {
    const lines = loadJsonl('transcripts/matrix-test-test.jsonl')
    const refRes = received(lines).find((f) => f.type === 'res' && f.id === '2')
    const gw = await h.gateway()
    const c = await h.connected(gw, { clientId: 'test', mode: 'test' })
    const res = await c.request('sessions.list', {}, '2')
    expect(res).toEqual(refRes)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })
})
