import { describe, expect, it, vi } from 'vitest'
import type { ResyncInfo } from '../src/index.js'
import { createFakeServer } from './helpers/fake-socket.js'
import { elapse, newChat, next, useFakeTime } from './helpers/chat.js'

const unavailable = {
  error: { code: 'UNAVAILABLE', message: 'The gateway is unreachable; retry shortly.', retryable: true },
}

describe('gateway down and up (clawchat.gateway)', () => {
  it('state gateway-down: chat.sends wait in the queue, other requests fail fast; on up they go out and resync follows', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const down = { state: 'down' }
    server.handlers['sessions.list'] = () => unavailable
    server.last.receive({
      type: 'event',
      event: 'clawchat.gateway',
      payload: { ...down, reason: 'gateway closed (1006)' },
    })
    expect(chat.state).toBe('gateway-down')

    const send = chat.send('queued while down')
    await expect(chat.request('sessions.list', {})).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true })
    await elapse(60_000)
    expect(server.last.requests('chat.send')).toHaveLength(0)

    const resync = next<ResyncInfo>(chat, 'resync')
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    expect(chat.state).toBe('open')
    expect(await resync).toEqual({ reason: 'gateway-up' })
    await send
    expect(server.last.requests('chat.send')).toHaveLength(1)
    expect(server.sockets).toHaveLength(1)
  })

  it('a chat.send answered UNAVAILABLE (the gateway went down on its way) waits for up and goes again with the same key', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    server.handlers['chat.send'] = () => unavailable
    const send = chat.send('Hello')
    await vi.waitFor(() => expect(server.last.requests('chat.send')).toHaveLength(1))
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'down' } })
    server.handlers['chat.send'] = (p) => ({ payload: { runId: p.idempotencyKey, status: 'started' } })
    await elapse(60_000)
    expect(server.last.requests('chat.send')).toHaveLength(1)
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    const { runId } = await send
    const sends = server.last.requests('chat.send')
    expect(sends).toHaveLength(2)
    expect(sends[0]!.params).toEqual(sends[1]!.params)
    expect(runId).toBe(sends[0]!.params.idempotencyKey)
  })

  it('a chat.send answered RATE_LIMITED (a burst after a reconnect) goes again after retryAfterMs with the same key', async () => {
    const server = createFakeServer()
    let refusals = 2
    server.handlers['chat.send'] = (p) =>
      refusals-- > 0
        ? {
            error: {
              code: 'RATE_LIMITED',
              message: 'Too many messages; retry in 20 ms.',
              retryable: true,
              retryAfterMs: 20,
            },
          }
        : { payload: { runId: p.idempotencyKey, status: 'started' } }
    const { chat } = newChat(server)
    const { runId } = await chat.send('Hello')
    const sends = server.last.requests('chat.send')
    expect(sends).toHaveLength(3)
    expect(new Set(sends.map((f) => f.params.idempotencyKey))).toEqual(new Set([runId]))
  })

  it('other requests answered RATE_LIMITED reject with retryAfterMs (the page decides)', async () => {
    const server = createFakeServer()
    server.handlers['sessions.list'] = () => ({
      error: { code: 'RATE_LIMITED', message: 'Too many messages; retry in 20 ms.', retryable: true, retryAfterMs: 20 },
    })
    const { chat } = newChat(server)
    await expect(chat.request('sessions.list', {})).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 20 })
    expect(server.last.requests('sessions.list')).toHaveLength(1)
  })

  it('gives up after repeated UNAVAILABLE answers while the gateway never says down', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => ({ error: { ...unavailable.error, retryAfterMs: 5 } })
    const { chat } = newChat(server)
    await expect(chat.send('Hello')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true })
    expect(server.last.requests('chat.send').length).toBe(11)
  })

  it('a gateway that is down at connect time: the SDK is ready but in gateway-down, and sends wait', async () => {
    useFakeTime()
    const server = createFakeServer()
    const orig = server.onFrame.bind(server)
    server.onFrame = (socket, frame) => {
      orig(socket, frame)
      if (frame.method === 'connect')
        socket.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'down' } })
    }
    const { chat } = newChat(server)
    await chat.ready
    expect(chat.state).toBe('gateway-down')
    const send = chat.send('waits')
    await elapse(60_000)
    expect(server.last.requests('chat.send')).toHaveLength(0)
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    await send
  })

  it('misconfigured: queued chat.sends fail at once, not retryable; new ones fail without waiting; up brings back open', async () => {
    useFakeTime()
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    server.last.receive({
      type: 'event',
      event: 'clawchat.gateway',
      payload: { state: 'down', reason: 'The chat gateway cannot be reached; reconnecting.' },
    })
    const queued = chat.send('queued while down')
    await elapse(20)
    const reason = 'The chat gateway refused this server; an administrator must fix its configuration.'
    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'misconfigured', reason } })
    expect(chat.state).toBe('misconfigured')
    const failure = await queued.then(
      () => null,
      (e: unknown) => e,
    )
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { reason: 'misconfigured' } })
    expect((failure as Error).message).toContain(reason)
    await expect(chat.send('sent while misconfigured')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: false })
    expect(server.last.requests('chat.send')).toHaveLength(0)

    server.last.receive({ type: 'event', event: 'clawchat.gateway', payload: { state: 'up' } })
    expect(chat.state).toBe('open')
    const ok = await chat.send('after the fix')
    expect(ok.status).toBe('started')
    expect(server.last.requests('chat.send')).toHaveLength(1)
  })

  it('a chat.send answered "misconfigured" (the link was refused meanwhile) is not sent again', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.handlers['chat.send'] = () => ({
      error: {
        code: 'UNAVAILABLE',
        message: 'The chat gateway refused this server. Retrying will not help until it is fixed.',
        retryable: false,
        details: { reason: 'misconfigured' },
      },
    })
    const { chat } = newChat(server)
    await expect(chat.send('Hello')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: false,
      details: { reason: 'misconfigured' },
    })
    await elapse(60_000)
    expect(server.last.requests('chat.send')).toHaveLength(1)
  })
})
