/**
 * The request manager on its own: a connection state the test sets, the frames it writes, and a
 * clock the test moves (timeouts and retry waits checked exactly).
 */
import { describe, expect, it, vi } from 'vitest'
import { newLink, type ConnectionState, type GatewayStatus } from '../src/connection-state.js'
import { ClawChatAbortError, ClawChatClosedError, ClawChatRequestError, ClawChatTimeoutError } from '../src/errors.js'
import { PLAIN, RequestManager, STREAM_SEND, TRACKED_SEND } from '../src/request-manager.js'
import { MAX_SEND_RETRIES, sendRetryDelay } from '../src/send-retry.js'
import { FakeClock } from './helpers/fake-clock.js'

interface Req {
  type: string
  id: string
  method?: string
  params?: Record<string, unknown>
}

function setup(o: { maxQueuedRequests?: number; maxPayload?: number } = {}) {
  const clock = new FakeClock()
  let state: ConnectionState = { phase: 'connecting', resync: undefined }
  const written: Req[] = []
  const requests = new RequestManager(
    {
      state: () => state,
      send: (frame) => (state.phase === 'ready' ? written.push(JSON.parse(frame) as Req) > 0 : false),
    },
    { requestTimeoutMs: 1000, maxQueuedRequests: o.maxQueuedRequests ?? 100 },
    clock,
    () => 1,
  )
  const ready = (gateway: GatewayStatus = { kind: 'up' }) => {
    state = { phase: 'ready', link: { ...newLink(), gateway, maxPayload: o.maxPayload ?? 0 } }
  }
  const answer = (id: string, payload: unknown) => requests.onResponse({ type: 'res', id, ok: true, payload })
  const refuse = (id: string, error: { code: string; message: string; retryAfterMs?: number; details?: unknown }) =>
    requests.onResponse({ type: 'res', id, ok: false, error })
  const of = (method: string) => written.filter((f) => f.method === method)
  return {
    requests,
    clock,
    written,
    of,
    ready,
    answer,
    refuse,
    lose: () => (state = { phase: 'connecting', resync: 'reconnect' }),
    close: () => (state = { phase: 'closed', reason: 'closed' }),
  }
}

const send = (message: string, key = message) => ({ message, sessionKey: 'main', idempotencyKey: key })
const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )

describe('RequestManager', () => {
  it('queues while not ready and writes in call order once flushed; answers settle their own request', async () => {
    const t = setup()
    const a = t.requests.call('sessions.list', {}, {}, PLAIN)
    const b = t.requests.call('chat.send', send('hi'), {}, TRACKED_SEND)
    expect(t.written).toEqual([])
    t.ready()
    t.requests.flush()
    expect(t.written.map((f) => [f.type, f.method])).toEqual([
      ['req', 'sessions.list'],
      ['req', 'chat.send'],
    ])
    t.answer(t.written[1]!.id, { runId: 'hi', status: 'started' })
    t.answer(t.written[0]!.id, { sessions: [] })
    t.answer('no-such-id', {})
    expect(await a).toEqual({ sessions: [] })
    expect(await b).toEqual({ runId: 'hi', status: 'started' })
  })

  it('an error answer rejects with ClawChatRequestError carrying the server error', async () => {
    const t = setup()
    t.ready()
    const p = t.requests.call('sessions.list', {}, {}, PLAIN)
    t.refuse(t.written[0]!.id, { code: 'FORBIDDEN', message: 'not for you', details: { x: 1 } })
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: 'not for you', details: { x: 1 }, method: 'sessions.list' })
  })

  it('the timeout runs from the write, not while queued; a timed-out request is cancelled upstream', async () => {
    const t = setup()
    const p = outcome(t.requests.call('sessions.list', {}, { timeoutMs: 500 }, PLAIN))
    t.clock.advance(10_000)
    t.ready()
    t.requests.flush()
    t.clock.advance(499)
    t.clock.advance(1)
    const { error } = (await p) as { error: unknown }
    expect(error).toBeInstanceOf(ClawChatTimeoutError)
    expect(t.written.at(-1)).toEqual({ type: 'cancel', id: t.written[0]!.id })
  })

  it('while the gateway is down, other requests go out and chat.sends wait for it', () => {
    const t = setup()
    t.ready({ kind: 'down' })
    void t.requests.call('chat.send', send('wait'), {}, TRACKED_SEND)
    void t.requests.call('sessions.list', {}, {}, PLAIN)
    expect(t.written.map((f) => f.method)).toEqual(['sessions.list'])
    t.ready({ kind: 'up' })
    t.requests.flush()
    expect(t.of('chat.send')).toHaveLength(1)
  })

  it('while misconfigured, a chat.send fails at once (not retryable, the reason said); waiting ones fail too', async () => {
    const t = setup()
    t.ready({ kind: 'down' })
    const queued = outcome(t.requests.call('chat.send', send('a'), {}, TRACKED_SEND))
    t.ready({ kind: 'misconfigured', reason: 'The token is wrong.' })
    t.requests.failWaitingSends()
    const now = outcome(t.requests.call('chat.send', send('b'), {}, STREAM_SEND))
    for (const { error } of [
      (await queued) as { error: ClawChatRequestError },
      (await now) as { error: ClawChatRequestError },
    ]) {
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { reason: 'misconfigured' } })
      expect(error.message).toMatch(/^The token is wrong\. The message was not sent/)
    }
    expect(t.written).toEqual([])
  })

  it('a chat.send refused RATE_LIMITED goes again after retryAfterMs with the same id; other requests reject', async () => {
    const t = setup()
    t.ready()
    const p = t.requests.call('chat.send', send('hi'), {}, TRACKED_SEND)
    const list = outcome(t.requests.call('sessions.list', {}, {}, PLAIN))
    const id = t.of('chat.send')[0]!.id
    t.refuse(id, { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 250 })
    t.refuse(t.of('sessions.list')[0]!.id, { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 250 })
    t.clock.advance(249)
    expect(t.of('chat.send')).toHaveLength(1)
    t.clock.advance(1)
    expect(t.of('chat.send').map((f) => f.id)).toEqual([id, id])
    t.answer(id, { runId: 'hi', status: 'started' })
    expect(await p).toEqual({ runId: 'hi', status: 'started' })
    expect(await list).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: 250 } })
  })

  it('a refusal that comes back within send() (a synchronous socket) leaves the send queued, its timeout stopped', async () => {
    const clock = new FakeClock()
    const state: ConnectionState = { phase: 'ready', link: newLink() }
    const frames: Req[] = []
    const requests: RequestManager = new RequestManager(
      {
        state: () => state,
        send: (frame) => {
          const req = JSON.parse(frame) as Req
          frames.push(req)
          requests.onResponse(
            frames.length === 1
              ? {
                  type: 'res',
                  id: req.id,
                  ok: false,
                  error: { code: 'UNAVAILABLE', message: 'away', retryAfterMs: 2000 },
                }
              : { type: 'res', id: req.id, ok: true, payload: { runId: 'k', status: 'started' } },
          )
          return true
        },
      },
      { requestTimeoutMs: 1000, maxQueuedRequests: 10 },
      clock,
    )
    const p = outcome(requests.call('chat.send', send('k'), {}, TRACKED_SEND))
    clock.advance(2000)
    expect(await p).toEqual({ value: { runId: 'k', status: 'started' } })
    expect(frames.map((f) => f.id)).toEqual([frames[0]!.id, frames[0]!.id])
  })

  it(`gives up on a chat.send after ${MAX_SEND_RETRIES} UNAVAILABLE retries`, async () => {
    const t = setup()
    t.ready()
    const p = outcome(t.requests.call('chat.send', send('hi'), {}, TRACKED_SEND))
    for (let i = 0; i <= MAX_SEND_RETRIES; i++) {
      t.refuse(t.of('chat.send').at(-1)!.id, { code: 'UNAVAILABLE', message: 'away', retryAfterMs: 5 })
      t.clock.advance(5)
    }
    expect(t.of('chat.send')).toHaveLength(MAX_SEND_RETRIES + 1)
    expect(await p).toMatchObject({ error: { code: 'UNAVAILABLE' } })
  })

  it('sendRetryDelay: drain refusals wait ×2 up to ×8 (jittered) and are not counted; misconfigured is final', () => {
    const drain = {
      code: 'UNAVAILABLE',
      message: 'restart',
      retryAfterMs: 40,
      details: { reason: 'gateway-restarting' },
    }
    expect([0, 1, 2, 3, 4, 50].map((n) => sendRetryDelay(drain, n, () => 1))).toEqual([40, 80, 160, 320, 320, 320])
    expect(sendRetryDelay(drain, 3, () => 0)).toBe(160)
    expect(sendRetryDelay({ code: 'UNAVAILABLE', message: 'x' }, 0)).toBe(1000)
    expect(
      sendRetryDelay({ code: 'UNAVAILABLE', message: 'x', details: { reason: 'misconfigured' } }, 0),
    ).toBeUndefined()
    expect(sendRetryDelay({ code: 'FORBIDDEN', message: 'x' }, 0)).toBeUndefined()
  })

  it('a lost socket re-queues sends in flight, rejects other requests as retryable, and drops the oversized one after 1009', async () => {
    const t = setup()
    t.ready()
    const small = t.requests.call('chat.send', send('small'), {}, TRACKED_SEND)
    const big = outcome(t.requests.call('chat.send', send('B'.repeat(500), 'big'), {}, TRACKED_SEND))
    const list = outcome(t.requests.call('sessions.list', {}, {}, PLAIN))
    t.lose()
    t.requests.socketLost('reconnect-drop-oversized')
    expect(await big).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', retryable: false } })
    expect(await list).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: true, method: 'sessions.list' } })
    t.ready()
    t.requests.flush()
    const again = t.of('chat.send')
    expect(again.map((f) => f.params!.message)).toEqual(['small', 'B'.repeat(500), 'small'])
    t.answer(again[2]!.id, { runId: 'small', status: 'started' })
    await small
  })

  it('refuses a request over maxPayload before writing it, and one over the queue bound', async () => {
    const t = setup({ maxPayload: 200, maxQueuedRequests: 1 })
    void t.requests.call('sessions.list', {}, {}, PLAIN)
    expect(await outcome(t.requests.call('sessions.list', {}, {}, PLAIN))).toMatchObject({
      error: { code: 'QUEUE_FULL', retryable: true },
    })
    t.ready()
    t.requests.flush()
    expect(await outcome(t.requests.call('chat.send', send('x'.repeat(300)), {}, TRACKED_SEND))).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE' },
    })
    expect(t.written.map((f) => f.method)).toEqual(['sessions.list'])
  })

  it('an abort: a queued request is never written; one in flight is cancelled, a send in flight aborted upstream', async () => {
    const t = setup()
    const [queued, plain, sent] = [new AbortController(), new AbortController(), new AbortController()]
    const q = outcome(t.requests.call('sessions.list', {}, { signal: queued.signal }, PLAIN))
    queued.abort()
    t.ready()
    t.requests.flush()
    const p = outcome(t.requests.call('sessions.list', {}, { signal: plain.signal }, PLAIN))
    const s = outcome(t.requests.call('chat.send', send('hi'), { signal: sent.signal }, TRACKED_SEND))
    plain.abort()
    sent.abort()
    for (const r of [await q, await p, await s])
      expect((r as { error: unknown }).error).toBeInstanceOf(ClawChatAbortError)
    expect(t.written.map((f) => f.type + ':' + (f.method ?? ''))).toEqual([
      'req:sessions.list',
      'req:chat.send',
      'cancel:',
      'req:chat.abort',
    ])
    expect(t.of('chat.abort')[0]!.params).toEqual({ sessionKey: 'main', runId: 'hi' })
  })

  it('recover(): acknowledged sends are looked up in the history first; sends wait for it, a stored one is not re-sent', async () => {
    const t = setup()
    t.ready()
    void t.requests.call('chat.send', send('stored'), {}, TRACKED_SEND)
    void t.requests.call('chat.send', send('lost'), {}, TRACKED_SEND)
    for (const f of t.of('chat.send')) t.answer(f.id, { runId: f.params!.idempotencyKey, status: 'started' })
    t.lose()
    t.requests.socketLost('backoff')
    t.ready()
    t.requests.recover()
    const later = t.requests.call('chat.send', send('later'), {}, TRACKED_SEND)
    const history = t.of('chat.history')
    expect(history.map((f) => f.params)).toEqual([{ sessionKey: 'main', limit: 200 }])
    expect(t.of('chat.send')).toHaveLength(2)
    t.answer(history[0]!.id, { messages: [{ role: 'user', content: 'stored', runId: 'stored' }] })
    await vi.waitFor(() => expect(t.of('chat.send')).toHaveLength(4))
    // The lost run goes again with its own key (a new request, so after the send made meanwhile); the stored one never.
    const after = t.of('chat.send').slice(2)
    expect(after.map((f) => f.params!.idempotencyKey)).toEqual(['later', 'lost'])
    t.answer(after[0]!.id, { runId: 'later', status: 'started' })
    await later
  })

  it('a run that ended is not looked up again', () => {
    const t = setup()
    t.ready()
    void t.requests.call('chat.send', send('done'), {}, TRACKED_SEND)
    t.answer(t.of('chat.send')[0]!.id, { runId: 'done', status: 'started' })
    t.requests.onChatEvent({ runId: 'done', state: 'final' })
    t.requests.recover()
    expect(t.of('chat.history')).toEqual([])
  })

  it('closeAll() rejects everything waiting with the close error; calls after the close reject at once', async () => {
    const t = setup()
    const waiting = outcome(t.requests.call('sessions.list', {}, {}, PLAIN))
    const error = new ClawChatClosedError('logged-out')
    t.close()
    t.requests.closeAll(error)
    expect(await waiting).toEqual({ error })
    expect(await outcome(t.requests.call('sessions.list', {}, {}, PLAIN))).toMatchObject({
      error: { reason: 'closed', code: 'CLOSED' },
    })
  })
})
