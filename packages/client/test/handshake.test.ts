import { describe, expect, it, vi } from 'vitest'
import { ClawChatClosedError } from '../src/index.js'
import { createFakeServer, FAST, SESSION } from './helpers/fake-socket.js'
import { elapse, newChat, settle, useFakeTime } from './helpers/chat.js'

describe('handshake with the proxy', () => {
  it('waits for connect.challenge, connects as webchat-ui/webchat with SDK_CAPS, ready after clawchat.session', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    expect(chat.state).toBe('connecting')
    const states: string[] = []
    chat.on('state', (s) => states.push(`${s.previous}->${s.state}`))
    await chat.ready
    const connect = server.last.requests('connect')
    expect(connect).toHaveLength(1)
    expect(connect[0]!.params).toEqual({
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', version: '0.1.0', platform: 'web', mode: 'webchat' },
      caps: ['tool-events', 'approvals', 'clawchat.lean'],
    })
    expect(connect[0]!.params).not.toHaveProperty('auth')
    expect(chat.state).toBe('open')
    expect(states).toEqual(['connecting->open'])
    expect(chat.user).toEqual(SESSION.user)
    expect(chat.sessionKey).toBe('main')
    expect(chat.methods).toEqual(SESSION.methods)
    expect(chat.session?.limits.maxPayload).toBe(65536)
  })

  it('asks for the assistant text events too with assistantEvents: true', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server, { assistantEvents: true })
    await chat.ready
    const caps = server.last.requests('connect')[0]!.params.caps
    expect(caps).toEqual(['tool-events', 'approvals', 'clawchat.lean', 'clawchat.assistant-events'])
  })

  it('is not ready at hello-ok alone: it waits for clawchat.session', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.sendSession = false
    const { chat } = newChat(server)
    const ready = vi.fn()
    void chat.ready.then(ready)
    await elapse(0)
    expect(server.last.requests('connect')).toHaveLength(1)
    await elapse(FAST.connectTimeoutMs - 1)
    expect(ready).not.toHaveBeenCalled()
    expect(chat.state).toBe('connecting')
    server.last.receive({ type: 'event', event: 'clawchat.session', payload: SESSION })
    await chat.ready
    expect(chat.state).toBe('open')
  })

  it('emits session and any gateway event to typed listeners', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    const sessions: unknown[] = []
    const other: unknown[] = []
    chat.on('session', (s) => sessions.push(s))
    chat.on('sessions.changed', (p) => other.push(p))
    await chat.ready
    server.last.receive({ type: 'event', event: 'sessions.changed', payload: { sessionKey: 'main', reason: 'reset' } })
    expect(sessions).toEqual([SESSION])
    expect(other).toEqual([{ sessionKey: 'main', reason: 'reset' }])
  })

  it('reports a frame that is not JSON on "error" and keeps going', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const errors: Error[] = []
    chat.on('error', (e) => errors.push(e))
    server.last.receive('not json{')
    expect(errors[0]?.message).toMatch(/not JSON/)
    await expect(chat.request('sessions.list', {})).resolves.toEqual({ count: 0, sessions: [] })
  })

  it('a refused connect is reported on "error"; the proxy closes 1008 and the SDK backs off and retries', async () => {
    const server = createFakeServer()
    let refuse = true
    server.onFrame = ((orig) =>
      function (this: typeof server, socket, frame) {
        if (frame.method === 'connect' && refuse) {
          socket.receive({
            type: 'res',
            id: frame.id,
            ok: false,
            error: { code: 'INVALID_REQUEST', message: 'invalid connect params' },
          } as never)
          socket.serverClose(1008, 'invalid connect')
          return
        }
        orig.call(this, socket, frame)
      })(server.onFrame)
    const { chat } = newChat(server)
    const errors: Error[] = []
    chat.on('error', (e) => errors.push(e))
    await vi.waitFor(() => expect(server.sockets.length).toBeGreaterThanOrEqual(2))
    refuse = false
    await chat.ready
    expect(errors[0]).toMatchObject({ code: 'INVALID_REQUEST', method: 'connect' })
    expect(chat.state).toBe('open')
  })

  it('gives up on a socket whose handshake does not finish within connectTimeoutMs, then connects again', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.answerConnect = false
    const { chat } = newChat(server, { reconnect: { initialDelayMs: 10, jitter: 0, connectTimeoutMs: 150 } })
    await elapse(149)
    expect(server.sockets.length).toBe(1)
    await elapse(1 + 10)
    expect(server.sockets.length).toBe(2)
    expect(server.sockets[0]!.clientClose).toBeDefined()
    server.answerConnect = true
    server.last.serverClose(1012)
    await settle(chat.ready)
    expect(chat.state).toBe('open')
  })

  it('ready rejects with ClawChatClosedError when closed before it was ready', async () => {
    const server = createFakeServer()
    server.mode = 'hang'
    const { chat } = newChat(server)
    chat.close()
    await expect(chat.ready).rejects.toBeInstanceOf(ClawChatClosedError)
    expect(chat.state).toBe('closed')
    expect(chat.closeReason).toBe('closed')
  })
})
