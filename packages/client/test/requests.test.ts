import { describe, expect, it, vi } from 'vitest'
import { ClawChatAbortError, ClawChatClosedError, ClawChatRequestError, ClawChatTimeoutError } from '../src/index.js'
import { createFakeServer, FAST } from './helpers/fake-socket.js'
import { elapse, newChat, useFakeTime } from './helpers/chat.js'

describe('requests', () => {
  it('gives every request a unique id and resolves each with its own answer', async () => {
    const server = createFakeServer()
    server.handlers['chat.history'] = (p) => ({
      payload: { sessionKey: p.sessionKey, messages: [{ role: 'user', content: p.sessionKey }] },
    })
    const { chat } = newChat(server)
    await chat.ready
    const keys = ['main', 'work', 'a.b', 'x-1', 'y_2']
    const results = await Promise.all(keys.map((sessionKey) => chat.history({ sessionKey })))
    expect(results.map((r) => r.sessionKey)).toEqual(keys)
    const ids = server.last
      .requests()
      .filter((f) => f.method !== 'connect')
      .map((f) => f.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('chat.send carries an SDK-made idempotencyKey (a UUID) and the default session key', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    const { runId } = await chat.send('Hello')
    const [frame] = server.last.requests('chat.send')
    expect(frame!.params).toEqual({ message: 'Hello', sessionKey: 'main', idempotencyKey: runId })
    expect(runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const second = await chat.send('Hello again')
    expect(second.runId).not.toBe(runId)
  })

  it('session keys are checked and lower-cased before they leave (INVALID_REQUEST otherwise)', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    await chat.history({ sessionKey: 'Work' })
    expect(server.last.requests('chat.history')[0]!.params.sessionKey).toBe('work')
    const err = await chat.send('x', { sessionKey: 'no spaces' }).catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err).toMatchObject({ code: 'INVALID_REQUEST', method: 'chat.send' })
    expect(err.message).toMatch(/sessionKey "no spaces" is not valid/)
    expect(server.last.requests('chat.send')).toHaveLength(0)
  })

  it('an error answer without a message still rejects its request at once (not at its timeout)', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => ({ error: { code: 'BOOM' } as never })
    const { chat } = newChat(server)
    const errors: Error[] = []
    chat.on('error', (e) => errors.push(e))
    const err = await chat.request('sessions.list', {}, { timeoutMs: 60_000 }).catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err).toMatchObject({ code: 'BOOM', method: 'sessions.list' })
    expect(errors).toEqual([])
  })

  it('an error answer rejects with ClawChatRequestError carrying code, details, retryable and retryAfterMs', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => ({
      error: {
        code: 'RATE_LIMITED',
        message: 'Too many messages; retry in 250 ms.',
        retryable: true,
        retryAfterMs: 250,
        details: { limit: 20 },
      },
    })
    const { chat } = newChat(server)
    const err = await chat.request('sessions.list', {}).catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 250,
      details: { limit: 20 },
      method: 'sessions.list',
    })
    expect(err.message).toBe('Too many messages; retry in 250 ms.')
    expect(chat.state).toBe('open')
  })

  it('times out with ClawChatTimeoutError and sends a cancel frame', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const started = Date.now()
    const answer = chat.request('sessions.list', {}, { timeoutMs: 100 }).catch((e) => e)
    await elapse(99)
    expect(server.last.sent).not.toContainEqual(expect.objectContaining({ type: 'cancel' }))
    await elapse(1)
    const err = await answer
    expect(err).toBeInstanceOf(ClawChatTimeoutError)
    expect(err).toMatchObject({ code: 'CLIENT_TIMEOUT', method: 'sessions.list', timeoutMs: 100, retryable: true })
    expect(Date.now() - started).toBeGreaterThanOrEqual(95)
    const req = server.last.requests('sessions.list')[0]!
    expect(server.last.sent).toContainEqual({ type: 'cancel', id: req.id })
  })

  it('uses requestTimeoutMs when a request names no timeout', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server, { requestTimeoutMs: 80 })
    await chat.ready
    await expect(chat.request('sessions.list', {})).rejects.toMatchObject({ timeoutMs: 80 })
  })

  it('the timeout clock starts when the request is written, not while it waits in the queue', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.mode = 'hang'
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server, { requestTimeoutMs: 100 })
    const outcome = vi.fn()
    chat.request('sessions.list', {}).then(outcome, outcome)
    await elapse(1000)
    expect(outcome).not.toHaveBeenCalled()
    server.mode = 'accept'
    server.last.fail()
    await elapse(FAST.initialDelayMs + 99)
    expect(outcome).not.toHaveBeenCalled()
    await elapse(1)
    expect(outcome).toHaveBeenCalledWith(expect.any(ClawChatTimeoutError))
  })

  it('an AbortSignal rejects with an AbortError and sends {type:"cancel",id} for an ordinary request', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const ac = new AbortController()
    const p = chat.request('sessions.list', {}, { signal: ac.signal })
    await vi.waitFor(() => expect(server.last.requests('sessions.list')).toHaveLength(1))
    ac.abort()
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatAbortError)
    expect(err.name).toBe('AbortError')
    const id = server.last.requests('sessions.list')[0]!.id
    expect(server.last.sent.at(-1)).toEqual({ type: 'cancel', id })
  })

  it('an AbortSignal on a chat.send in flight aborts the run upstream with chat.abort', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const ac = new AbortController()
    const p = chat.send('Hello', { signal: ac.signal })
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(1))
    const key = server.last.requests('chat.send')[0]!.params.idempotencyKey
    ac.abort()
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    await vi.waitFor(() => expect(server.last.requests('chat.abort')).toHaveLength(1))
    expect(server.last.requests('chat.abort')[0]!.params).toEqual({ sessionKey: 'main', runId: key })
    expect(server.last.sent.some((f) => f.type === 'cancel')).toBe(false)
  })

  it('an already aborted signal rejects at once and sends nothing', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const ac = new AbortController()
    ac.abort()
    await expect(chat.send('Hello', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(server.last.requests('chat.send')).toHaveLength(0)
  })

  it('requests made before the connection is ready wait in the queue and go out in call order after hello', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    const a = chat.send('one')
    const b = chat.request('sessions.list', {})
    const c = chat.send('two')
    expect(chat.state).toBe('connecting')
    await Promise.all([a, b, c])
    const order = server.last.requests().map((f) => f.method)
    expect(order).toEqual(['connect', 'chat.send', 'sessions.list', 'chat.send'])
    expect(server.last.requests('chat.send').map((f) => f.params.message)).toEqual(['one', 'two'])
  })

  it('an aborted request that still waits in the queue is never sent', async () => {
    const server = createFakeServer()
    server.mode = 'hang'
    const { chat } = newChat(server)
    const ac = new AbortController()
    const p = chat.send('never', { signal: ac.signal })
    const q = chat.send('kept')
    ac.abort()
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    server.mode = 'accept'
    await vi.waitFor(() => server.last)
    server.last.fail()
    await q
    expect(server.requests('chat.send').map((f) => f.params.message)).toEqual(['kept'])
    expect(server.requests('chat.abort')).toHaveLength(0)
  })

  it('the queue is bounded: past maxQueuedRequests a request rejects with QUEUE_FULL (retryable)', async () => {
    const server = createFakeServer()
    server.mode = 'hang'
    const { chat } = newChat(server, { maxQueuedRequests: 2 })
    const a = chat.send('1')
    const b = chat.send('2')
    const err = await chat.send('3').catch((e) => e)
    expect(err).toMatchObject({ code: 'QUEUE_FULL', retryable: true })
    server.mode = 'accept'
    await vi.waitFor(() => server.last)
    server.last.fail()
    await Promise.all([a, b])
    expect(server.requests('chat.send').map((f) => f.params.message)).toEqual(['1', '2'])
  })

  it('a request over the maxPayload of hello-ok is rejected before it is sent (PAYLOAD_TOO_LARGE)', async () => {
    const server = createFakeServer()
    server.policy = { maxPayload: 1000 }
    const { chat } = newChat(server)
    await chat.ready
    const err = await chat.send('x'.repeat(2000)).catch((e) => e)
    expect(err).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', retryable: false })
    expect(server.last.requests('chat.send')).toHaveLength(0)
    expect(chat.state).toBe('open')
  })

  it('history, abort and request pass their params and return the typed answers', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.history({ sessionKey: 'work', limit: 5 })
    await chat.abort({ runId: 'r-1' })
    expect(server.last.requests('chat.history')[0]!.params).toEqual({ sessionKey: 'work', limit: 5 })
    expect(server.last.requests('chat.abort')[0]!.params).toEqual({ sessionKey: 'main', runId: 'r-1' })
    await expect(chat.request('unknown.method', { a: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('close() rejects every waiting request with ClawChatClosedError and refuses new ones', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => undefined
    const { chat } = newChat(server)
    await chat.ready
    const inFlight = chat.request('sessions.list', {})
    chat.close()
    await expect(inFlight).rejects.toBeInstanceOf(ClawChatClosedError)
    await expect(chat.send('late')).rejects.toMatchObject({ reason: 'closed', code: 'CLOSED' })
    expect(chat.state).toBe('closed')
    expect(server.last.clientClose).toEqual({ code: 1000, reason: 'closed' })
  })
})
