/**
 * Acknowledged runs across a reconnect or a gateway restart: before anything goes again the SDK
 * looks in the history (the gateway's dedupe cache does not survive a restart). A stored message is
 * never sent twice; an acknowledged one that is not stored is sent again with its own key, once.
 */
import { describe, expect, it, vi } from 'vitest'
import { createFakeServer, FAST, type FakeServer } from './helpers/fake-socket.js'
import { elapse, newChat, settle, useFakeTime } from './helpers/chat.js'

const started = (p: { idempotencyKey: string }) => ({ payload: { runId: p.idempotencyKey, status: 'started' } })

/** Answers chat.history with `rows(key)` and counts the calls. */
function historyOf(server: FakeServer, rows: (sessionKey: string) => unknown[]) {
  const calls: string[] = []
  server.handlers['chat.history'] = (p) => {
    calls.push(p.sessionKey)
    return { payload: { sessionKey: p.sessionKey, messages: rows(p.sessionKey) } }
  }
  return calls
}

/** Indexes of the frames a socket received from the client, by method, in write order. */
function order(server: FakeServer): string[] {
  return server.last.requests().map((f) => f.method!)
}

describe('recovery of acknowledged runs after a reconnect', () => {
  it('an acknowledged send whose message is not in the history is sent again with the same key, after the check, once', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const { runId } = await chat.send('Hello', { sessionKey: 'work' })
    const history = historyOf(server, () => [])
    server.last.serverClose(1012) // a gateway restart that lost the run before it was stored
    await elapse(FAST.initialDelayMs)
    expect(server.requests('chat.send')).toHaveLength(2)
    await elapse(60_000)
    const sends = server.requests('chat.send')
    expect(sends).toHaveLength(2)
    expect(sends[1]!.params).toEqual(sends[0]!.params)
    expect(sends[1]!.params.idempotencyKey).toBe(runId)
    expect(history).toEqual(['work'])
    expect(order(server)).toEqual(['connect', 'chat.history', 'chat.send'])
  })

  it('an acknowledged send whose message is stored (matched by its runId) is not sent again', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const { runId } = await chat.send('Hello')
    const history = historyOf(server, () => [
      { role: 'user', content: 'Hello', runId: 'an-older-run' },
      { role: 'user', content: 'Hello', runId },
    ])
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(history).toEqual(['main']))
    await chat.request('sessions.list', {}) // anything the check would have sent is out by now
    expect(server.requests('chat.send')).toHaveLength(1)
  })

  it('an unanswered send whose message is stored is answered from the history (in_flight / ok), never sent again', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined // the answer is lost with the connection
    const { chat } = newChat(server)
    await chat.ready
    const a = chat.send('a')
    const b = chat.send('b')
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(2))
    const [ka, kb] = server.last.requests('chat.send').map((f) => f.params.idempotencyKey as string)
    historyOf(server, () => [
      { role: 'user', content: 'a', runId: ka },
      { role: 'assistant', content: [{ type: 'text', text: 'done' }], stopReason: 'stop', runId: ka },
      { role: 'user', content: 'b', runId: kb },
    ])
    server.last.serverClose(1006)
    expect(await a).toEqual({ runId: ka, status: 'ok' })
    expect(await b).toEqual({ runId: kb, status: 'in_flight' })
    await chat.request('sessions.list', {})
    expect(server.requests('chat.send')).toHaveLength(2)
  })

  it('sends made while the check runs wait for it, and everything keeps its call order', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const a = chat.send('a')
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(1))
    let answerHistory: (() => void) | undefined
    server.handlers['chat.history'] = (p, f, socket) => {
      answerHistory = () =>
        socket.receive(
          JSON.stringify({ type: 'res', id: f.id, ok: true, payload: { sessionKey: p.sessionKey, messages: [] } }),
        )
      return undefined
    }
    server.last.serverClose(1012)
    await elapse(FAST.initialDelayMs)
    expect(answerHistory).toBeDefined()
    server.handlers['chat.send'] = started
    const b = chat.send('b')
    await elapse(FAST.connectTimeoutMs)
    expect(server.last.requests('chat.send')).toHaveLength(0)
    answerHistory!()
    await Promise.all([a, b])
    expect(server.last.requests('chat.send').map((f) => f.params.message)).toEqual(['a', 'b'])
  })

  it('a run that ended (final, error or aborted) is not looked up after the reconnect', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const runs = [await chat.send('x'), await chat.send('y'), await chat.send('z')].map((r) => r.runId)
    for (const [i, state] of (['final', 'error', 'aborted'] as const).entries()) server.chat({ runId: runs[i], state })
    const history = historyOf(server, () => [])
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(chat.state).toBe('reconnecting'))
    await vi.waitFor(() => expect(chat.state).toBe('open'))
    await chat.request('sessions.list', {})
    expect(history).toEqual([])
    expect(server.requests('chat.send')).toHaveLength(3)
  })

  it('clawchat.gateway up (the gateway restarted, the socket stayed): the same check, then the lost run goes again', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const { runId } = await chat.send('Hello')
    historyOf(server, () => [])
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'down' } })
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(2))
    expect(server.last.requests('chat.send')[1]!.params.idempotencyKey).toBe(runId)
    expect(server.sockets).toHaveLength(1)
  })

  it('history not available: the queue goes out as before (same keys), and the next "up" checks again', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const { runId } = await chat.send('Hello')
    let available = false
    const calls: number[] = []
    server.handlers['chat.history'] = (p) => {
      calls.push(Date.now())
      return available
        ? { payload: { sessionKey: p.sessionKey, messages: [] } }
        : { error: { code: 'UNAVAILABLE', message: 'gateway away', retryable: true } }
    }
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(calls).toHaveLength(1))
    await chat.request('sessions.list', {})
    expect(server.requests('chat.send')).toHaveLength(1)
    available = true
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'down' } })
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    await vi.waitFor(() => expect(server.requests('chat.send')).toHaveLength(2))
    expect(server.requests('chat.send')[1]!.params.idempotencyKey).toBe(runId)
  })
})

describe('a gateway draining for a restart', () => {
  it('a send it refuses with reason gateway-restarting is retried until it is accepted, beyond the usual retry limit', async () => {
    const server = createFakeServer()
    let refusals = 14
    server.handlers['chat.send'] = (p) =>
      refusals-- > 0
        ? {
            error: {
              code: 'UNAVAILABLE',
              message: 'chat.send unavailable during gateway restart',
              retryable: true,
              retryAfterMs: 5,
              details: { reason: 'gateway-restarting' },
            },
          }
        : started(p)
    const { chat } = newChat(server)
    const { runId, status } = await chat.send('Hello')
    expect(status).toBe('started')
    const sends = server.last.requests('chat.send')
    expect(sends).toHaveLength(15)
    expect(new Set(sends.map((f) => f.params.idempotencyKey))).toEqual(new Set([runId]))
  })

  it('waits longer after each drain refusal (×2 up to ×8 retryAfterMs, jittered), so many clients do not hammer a draining gateway', async () => {
    useFakeTime()
    const server = createFakeServer()
    const at: number[] = []
    server.handlers['chat.send'] = (p) => {
      at.push(Date.now())
      return at.length <= 5
        ? {
            error: {
              code: 'UNAVAILABLE',
              message: 'chat.send unavailable during gateway restart',
              retryable: true,
              retryAfterMs: 40,
              details: { reason: 'gateway-restarting' },
            },
          }
        : started(p)
    }
    const { chat } = newChat(server)
    await settle(chat.send('Hello'), 60_000, 1)
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    // 40 ms × 2^n × at least 0.5 (on fake time, so exact to the ms step).
    expect(gaps[0]).toBeGreaterThanOrEqual(19)
    expect(gaps[1]).toBeGreaterThanOrEqual(39)
    expect(gaps[2]).toBeGreaterThanOrEqual(79)
    expect(gaps[3]).toBeGreaterThanOrEqual(159)
    expect(gaps[4]).toBeGreaterThanOrEqual(159) // capped at ×8
  })
})
