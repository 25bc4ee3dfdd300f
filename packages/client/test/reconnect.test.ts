import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClawChatClosedError, type ResyncInfo } from '../src/index.js'
import { createFakeServer, FAST, type FakeServer } from './helpers/fake-socket.js'
import { elapse, newChat, next, useFakeTime } from './helpers/chat.js'

/** Times at which the server saw each new socket. */
function socketTimes(server: FakeServer): number[] {
  const times: number[] = []
  const WS = server.WebSocket
  ;(server as { WebSocket: unknown }).WebSocket = class extends (WS as any) {
    constructor(url: string) {
      super(url)
      times.push(Date.now())
    }
  }
  return times
}

describe('reconnect: nothing lost, nothing twice', () => {
  it('re-sends an unanswered chat.send with the same idempotencyKey; rejects other unanswered requests as retryable; emits resync', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const states: string[] = []
    chat.on('state', (s) => states.push(s.state))
    const resyncs: ResyncInfo[] = []
    chat.on('resync', (r) => resyncs.push(r))
    const send = chat.send('Hello')
    const list = chat.request('sessions.list', {})
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(1))
    const first = server.last.requests('chat.send')[0]!
    server.handlers['chat.send'] = (p) => ({ payload: { runId: p.idempotencyKey, status: 'started' } })
    server.last.serverClose(1006)

    const err = await list.catch((e) => e)
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true, method: 'sessions.list' })
    const { runId } = await send
    const sends = server.requests('chat.send')
    expect(sends).toHaveLength(2)
    expect(sends[1]!.params).toEqual(first.params)
    expect(sends[1]!.id).toBe(first.id)
    expect(runId).toBe(first.params.idempotencyKey)
    expect(server.sockets).toHaveLength(2)
    expect(server.sockets[1]!.requests('sessions.list')).toHaveLength(0)
    expect(states).toEqual(['reconnecting', 'open'])
    expect(resyncs).toEqual([{ reason: 'reconnect' }])
  })

  it('keeps the call order when re-sending: in-flight sends go out before sends made while disconnected', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const a = chat.send('a')
    const b = chat.send('b')
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(2))
    server.mode = 'hang'
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(chat.state).toBe('reconnecting'))
    const c = chat.send('c')
    server.handlers['chat.send'] = (p) => ({ payload: { runId: p.idempotencyKey, status: 'started' } })
    server.mode = 'accept'
    await vi.waitFor(() => expect(server.sockets.length).toBe(2))
    server.last.fail()
    await Promise.all([a, b, c])
    expect(server.last.requests('chat.send').map((f) => f.params.message)).toEqual(['a', 'b', 'c'])
  })

  it('4401 (logged out): stops, state closed with reason logged-out, rejects waiting requests, never reconnects', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const stateEvent = next<{ state: string; reason?: string }>(chat, 'state')
    const send = chat.send('Hello')
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(1))
    server.last.serverClose(4401, 'logged out')
    await expect(send).rejects.toBeInstanceOf(ClawChatClosedError)
    await expect(send).rejects.toMatchObject({ reason: 'logged-out' })
    expect(await stateEvent).toEqual({ state: 'closed', previous: 'open', reason: 'logged-out' })
    expect(chat.closeReason).toBe('logged-out')
    await elapse(60_000)
    expect(server.sockets).toHaveLength(1)
  })

  it('4408 (maximum lifetime): reconnects at once, not after the backoff', async () => {
    useFakeTime()
    const server = createFakeServer()
    const times = socketTimes(server)
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 2000, jitter: 0 } })
    await chat.ready
    const closedAt = Date.now()
    server.last.serverClose(4408)
    await elapse(0)
    expect(times).toHaveLength(2)
    expect(times[1]! - closedAt).toBeLessThan(1000)
    await vi.waitFor(() => expect(chat.state).toBe('open'))
  })

  it('4429 (too many connections): backs off longer (longDelayMs)', async () => {
    useFakeTime()
    const server = createFakeServer()
    const times = socketTimes(server)
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 10, jitter: 0, longDelayMs: 400 } })
    await chat.ready
    const closedAt = Date.now()
    server.last.serverClose(4429)
    await elapse(399)
    expect(times).toHaveLength(1)
    await elapse(1)
    expect(times).toHaveLength(2)
    expect(times[1]! - closedAt).toBeGreaterThanOrEqual(390)
  })

  it.each([1008, 1012, 1001, 1006, 1000])('close %i: backs off and reconnects, then resyncs', async (code) => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const resync = next<ResyncInfo>(chat, 'resync')
    server.last.serverClose(code)
    expect(chat.state).toBe('reconnecting')
    expect(await resync).toEqual({ reason: 'reconnect' })
    expect(chat.state).toBe('open')
    expect(server.sockets).toHaveLength(2)
  })

  it('1009 (frame too big): rejects the request that was too big, re-sends the others', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const small = chat.send('small')
    const big = chat.send('B'.repeat(5000))
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(2))
    server.handlers['chat.send'] = (p) => ({ payload: { runId: p.idempotencyKey, status: 'started' } })
    server.last.serverClose(1009)
    await expect(big).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', retryable: false })
    await small
    expect(server.sockets[1]!.requests('chat.send').map((f) => f.params.message)).toEqual(['small'])
  })

  it('1013 (slow consumer): reconnects, then resyncs with reason slow-consumer', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const resync = next<ResyncInfo>(chat, 'resync')
    server.last.serverClose(1013)
    expect(await resync).toEqual({ reason: 'slow-consumer' })
  })

  it('backs off exponentially while the server refuses, with the configured steps', async () => {
    useFakeTime()
    const server = createFakeServer()
    const times = socketTimes(server)
    server.mode = 'refuse'
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 40, factor: 2, maxDelayMs: 160, jitter: 0 } })
    await elapse(40 + 80 + 160 + 160)
    expect(times.length).toBeGreaterThanOrEqual(5)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    // 40, 80, 160, 160 (exactly, on fake time)
    expect(gaps[0]).toBeGreaterThanOrEqual(38)
    expect(gaps[1]).toBeGreaterThanOrEqual(78)
    expect(gaps[2]).toBeGreaterThanOrEqual(158)
    expect(gaps[3]).toBeGreaterThanOrEqual(158)
    expect(gaps[3]).toBeLessThan(1000)
    expect(chat.state).toBe('connecting')
  })

  it('never reconnects after close()', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    chat.close()
    await elapse(60_000)
    expect(server.sockets).toHaveLength(1)
    expect(chat.state).toBe('closed')
  })

  it('a seq gap means missed events: resync with reason gap', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const resync = next<ResyncInfo>(chat, 'resync')
    const seq = server.last.seq
    server.last.receive({ type: 'event', event: 'tick', payload: { ts: 1 }, seq: seq + 5 })
    expect(await resync).toEqual({ reason: 'gap' })
  })
})

describe('GET <path>/session after a failed reconnect', () => {
  it('401: stops as logged out', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat, fetch } = newChat(server)
    await chat.ready
    fetch.status = 401
    server.mode = 'refuse'
    server.last.serverClose(1006)
    await vi.waitFor(() => expect(chat.state).toBe('closed'))
    expect(chat.closeReason).toBe('logged-out')
    expect(fetch.calls[0]).toBe('http://127.0.0.1:1/clawchat/session')
    const count = server.sockets.length
    await elapse(60_000)
    expect(server.sockets).toHaveLength(count)
  })

  it('503 or 200: the server is away, keeps backing off, and connects when it is back', async () => {
    const server = createFakeServer()
    const { chat, fetch } = newChat(server)
    await chat.ready
    fetch.status = 503
    server.mode = 'refuse'
    server.last.serverClose(1006)
    await vi.waitFor(() => expect(fetch.calls.length).toBeGreaterThanOrEqual(2))
    expect(chat.state).toBe('reconnecting')
    fetch.status = 200
    server.mode = 'accept'
    await vi.waitFor(() => expect(chat.state).toBe('open'), { timeout: 3000 })
  })

  it('also when the very first connection fails (not logged in at all)', async () => {
    const server = createFakeServer()
    server.mode = 'refuse'
    const { chat, fetch } = newChat(server)
    fetch.status = 401
    await expect(chat.ready).rejects.toMatchObject({ reason: 'logged-out' })
    expect(chat.closeReason).toBe('logged-out')
  })

  it('is not asked for close codes of the table (the code already says what to do)', async () => {
    const server = createFakeServer()
    const { chat, fetch } = newChat(server)
    await chat.ready
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(chat.state).toBe('open'))
    expect(fetch.calls).toEqual([])
  })
})

describe('early retry and heartbeat', () => {
  const g = globalThis as { window?: unknown; document?: unknown }
  afterEach(() => {
    delete g.window
    delete g.document
  })

  it('retries at once on "online" when the socket is dead', async () => {
    useFakeTime()
    g.window = new EventTarget()
    const server = createFakeServer()
    const times = socketTimes(server)
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 5000, jitter: 0 } })
    await chat.ready
    server.last.serverClose(1006)
    await elapse(4000)
    expect(times).toHaveLength(1)
    ;(g.window as EventTarget).dispatchEvent(new Event('online'))
    await elapse(0)
    expect(chat.state).toBe('open')
    expect(times).toHaveLength(2)
  })

  it('retries at once when the page becomes visible again', async () => {
    useFakeTime()
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' })
    g.document = doc
    const server = createFakeServer()
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 5000, jitter: 0 } })
    await chat.ready
    server.last.serverClose(1006)
    doc.dispatchEvent(new Event('visibilitychange'))
    await elapse(4000)
    expect(server.sockets).toHaveLength(1)
    doc.visibilityState = 'visible'
    doc.dispatchEvent(new Event('visibilitychange'))
    await elapse(0)
    expect(chat.state).toBe('open')
  })

  it('page listeners are removed by close()', async () => {
    const win = new EventTarget()
    const remove = vi.spyOn(win, 'removeEventListener')
    g.window = win
    const server = createFakeServer()
    const { chat } = newChat(server)
    chat.close()
    expect(remove).toHaveBeenCalledWith('online', expect.any(Function))
  })

  it('drops a socket that stays silent for 2.5 ticks and connects again', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.policy = { tickIntervalMs: 60 }
    const { chat } = newChat(server)
    await chat.ready
    await elapse(149)
    expect(server.sockets).toHaveLength(1)
    await elapse(1 + FAST.initialDelayMs)
    expect(server.sockets.length).toBe(2)
    expect(server.sockets[0]!.clientClose).toBeDefined()
    await vi.waitFor(() => expect(chat.state).toBe('open'))
  })

  it('keeps a socket that ticks', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.policy = { tickIntervalMs: 60 }
    const { chat } = newChat(server)
    await chat.ready
    const timer = setInterval(
      () => server.last.receive({ type: 'event', event: 'tick', payload: { ts: Date.now() } }),
      40,
    )
    await elapse(500)
    clearInterval(timer)
    expect(server.sockets).toHaveLength(1)
    expect(chat.state).toBe('open')
  })
})
