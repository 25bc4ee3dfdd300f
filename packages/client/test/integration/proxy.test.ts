import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClawChatAbortError,
  ClawChatRequestError,
  ClawChatTimeoutError,
  type ChatEvent,
  type StreamPart,
} from '../../src/index.js'
import { replyTo, startStack, transcript, until, type Stack } from './harness.js'

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(async () => {
  await stack?.close()
})

describe('the SDK through the real proxy and the mock gateway', () => {
  it('connects with the session cookie: user, session key and methods come from clawchat.session', async () => {
    const chat = stack.client(await stack.login('ada', 'Ada'))
    await chat.ready
    expect(chat.state).toBe('open')
    expect(chat.user).toEqual({ id: 'ada', name: 'Ada', role: 'user' })
    expect(chat.sessionKey).toBe('main')
    expect(chat.methods).toEqual(expect.arrayContaining(['chat.send', 'chat.history', 'chat.abort', 'sessions.list']))
    expect(chat.session?.limits.maxPayload).toBeGreaterThan(0)
    chat.close()
  })

  it('stream(): the whole reply, in order, each piece once, ending at final; the history has it once', async () => {
    const chat = stack.client(await stack.login('bob'))
    const parts: StreamPart[] = []
    for await (const part of chat.stream('Hello there')) parts.push(part)
    const expected = replyTo('Hello there')
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: expected, recovered: false })
    expect(parts.map((p) => p.deltaText).join('')).toBe(expected)
    expect(parts.length).toBeGreaterThan(5)
    expect(parts.slice(0, -1).every((p) => p.state === 'delta')).toBe(true)
    expect(await transcript(chat)).toEqual({ user: ['Hello there'], assistant: [expected] })
    chat.close()
  })

  it('send() + on("chat"): events carry the SDK runId and the browser session key', async () => {
    const chat = stack.client(await stack.login('cyd'))
    const events: ChatEvent[] = []
    chat.on('chat', (e) => events.push(e))
    const { runId, status } = await chat.send('Hi', { sessionKey: 'Work' })
    expect(status).toBe('started')
    await until(() => events.some((e) => e.runId === runId && e.state === 'final'), 'the final event')
    expect(events.every((e) => e.sessionKey === 'work' && e.runId === runId)).toBe(true)
    expect(await transcript(chat, 'work')).toEqual({ user: ['Hi'], assistant: [replyTo('Hi')] })
    const list = await chat.request('sessions.list', {})
    expect(list.sessions.map((s) => s.key).sort()).toEqual(['work'])
    chat.close()
  })

  it('request errors are typed (FORBIDDEN for a method this user may not call) and keep the socket open', async () => {
    const chat = stack.client(await stack.login('dan'))
    const err = await chat.request('models.list', {}).catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err.code).toBe('FORBIDDEN')
    expect(chat.state).toBe('open')
    await expect(chat.history()).resolves.toMatchObject({ messages: [] })
    chat.close()
  })

  it('aborting a stream aborts the run upstream (chat.abort) and stops the loop with an AbortError', async () => {
    stack.gateway.setChunkDelay(150)
    try {
      const chat = stack.client(await stack.login('eve'))
      const ac = new AbortController()
      const seen: string[] = []
      const err = await (async () => {
        for await (const part of chat.stream('Stop me', { signal: ac.signal })) {
          seen.push(part.deltaText)
          if (seen.length === 2) ac.abort()
        }
      })().catch((e) => e)
      expect(err).toBeInstanceOf(ClawChatAbortError)
      const abort = await stack.gateway.waitForRequest('chat.abort')
      expect(String((abort.params as { runId?: string }).runId)).toMatch(/^clawchat:/)
      await until(async () => (await chat.history()).messages.length >= 1, 'the aborted run in the history')
      const { user } = await transcript(chat)
      expect(user).toEqual(['Stop me'])
      chat.close()
    } finally {
      stack.gateway.setChunkDelay(20)
    }
  })

  it('a request the gateway does not answer in time rejects with ClawChatTimeoutError', async () => {
    const chat = stack.client(await stack.login('fay'), { requestTimeoutMs: 400 })
    await chat.ready
    stack.gateway.stall()
    try {
      const err = await chat.request('sessions.list', {}).catch((e) => e)
      expect(err).toBeInstanceOf(ClawChatTimeoutError)
      expect(err.timeoutMs).toBe(400)
    } finally {
      stack.gateway.resume()
    }
    await expect(chat.request('sessions.list', {})).resolves.toMatchObject({ sessions: [] })
    chat.close()
  })

  it('logout closes the socket with 4401: state closed, reason logged-out, no reconnect', async () => {
    const cookie = await stack.login('gus')
    const chat = stack.client(cookie)
    await chat.ready
    const opened = stack.proxy().stats().connections
    await stack.logout(cookie)
    await until(() => chat.state === 'closed', 'closed')
    expect(chat.closeReason).toBe('logged-out')
    await new Promise((r) => setTimeout(r, 300))
    expect(stack.proxy().stats().connections).toBe(opened - 1)
    await expect(chat.send('after logout')).rejects.toMatchObject({ code: 'CLOSED', reason: 'logged-out' })
  })

  it('a refused upgrade (no session) is told apart by GET /clawchat/session: 401 means logged out', async () => {
    const chat = stack.client('connect.sid=s%3Anobody.invalid')
    await expect(chat.ready).rejects.toMatchObject({ reason: 'logged-out' })
    expect(chat.closeReason).toBe('logged-out')
  })
})
