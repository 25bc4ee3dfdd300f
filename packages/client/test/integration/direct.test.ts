/** Direct mode against the mock gateway: a browser-style client (Origin, signed device), no proxy. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import {
  ClawChat,
  ClawChatRunError,
  loadOrCreateDeviceIdentity,
  memoryStorage,
  type ChatEvent,
  type KeyValueStorage,
  type StreamPart,
} from '../../src/direct.js'
import { FAST_RECONNECT, replyAgent, replyTo, TOKEN, until, wsWithHeaders } from './harness.js'

const ORIGIN = 'http://app.test'
let gateway: MockGateway | undefined
const clients: ClawChat[] = []
let warn: ReturnType<typeof vi.spyOn>

beforeEach(async () => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  gateway = await startMockGateway({
    token: TOKEN,
    agent: replyAgent,
    allowedOrigins: [ORIGIN],
    chunkDelayMs: 20,
    authFailureDelay: { initialMs: 1, maxMs: 5 },
  })
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await gateway?.close()
  warn.mockRestore()
})

function direct(
  options: { token?: string; origin?: string; storage?: KeyValueStorage; requestTimeoutMs?: number } = {},
) {
  const chat = new ClawChat({
    url: gateway!.url,
    token: options.token ?? TOKEN,
    WebSocket: wsWithHeaders({ Origin: options.origin ?? ORIGIN }),
    storage: options.storage ?? memoryStorage(),
    reconnect: FAST_RECONNECT,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
  })
  clients.push(chat)
  return chat
}

async function history(chat: ClawChat, sessionKey = 'main') {
  const { messages } = await chat.history({ sessionKey })
  const text = (m: { content: unknown }) =>
    typeof m.content === 'string'
      ? m.content
      : (m.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('')
  return {
    user: messages.filter((m) => m.role === 'user').map(text),
    assistant: messages.filter((m) => m.role === 'assistant').map(text),
  }
}

describe('direct mode against the mock gateway', () => {
  it('connects as a browser client with a signed device identity and gets read/write scopes', async () => {
    const storage = memoryStorage()
    const chat = direct({ storage })
    await chat.ready
    const identity = await loadOrCreateDeviceIdentity(storage)
    const [conn] = gateway!.connections()
    expect(conn).toMatchObject({
      authenticated: true,
      clientId: 'webchat-ui',
      clientMode: 'webchat',
      deviceId: identity.deviceId,
      origin: ORIGIN,
    })
    expect([...conn!.scopes].sort()).toEqual(['operator.read', 'operator.write'])
    expect(chat.methods).toEqual(expect.arrayContaining(['chat.send', 'chat.history', 'chat.abort']))
    expect(chat.user).toBeUndefined()
    expect(warn).toHaveBeenCalled()
  })

  it('the same API: stream(), send(), history() — every piece once', async () => {
    const chat = direct()
    const parts: StreamPart[] = []
    for await (const part of chat.stream('Hello gateway')) parts.push(part)
    const expected = replyTo('Hello gateway')
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: expected })
    expect(parts.map((p) => p.deltaText).join('')).toBe(expected)
    const events: ChatEvent[] = []
    chat.on('chat', (e) => events.push(e))
    const { runId } = await chat.send('Second')
    await until(() => events.some((e) => e.runId === runId && e.state === 'final'), 'the final of the second run')
    expect(await history(chat)).toEqual({ user: ['Hello gateway', 'Second'], assistant: [expected, replyTo('Second')] })
  })

  it('session keys go to the gateway as given, and events are not filtered (any session, any client)', async () => {
    const a = direct()
    const b = direct()
    await Promise.all([a.ready, b.ready])
    const seenByA: ChatEvent[] = []
    a.on('chat', (e) => seenByA.push(e))
    const { runId } = await b.send('from b', { sessionKey: 'agent:main:Elsewhere' })
    await until(() => seenByA.some((e) => e.runId === runId && e.state === 'final'), "b's final, seen by a")
    const send = gateway!.requests.find((r) => r.method === 'chat.send')
    expect((send?.params as { sessionKey?: string }).sessionKey).toBe('agent:main:Elsewhere')
    expect(seenByA.find((e) => e.runId === runId)?.sessionKey).toBe('agent:main:elsewhere')
  })

  it('a gateway restart in the middle of a stream: the stream completes once; sends made meanwhile run once', async () => {
    gateway!.setChunkDelay(100)
    const chat = direct()
    await chat.ready
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const part of chat.stream('across a restart')) parts.push(part)
    })()
    await until(() => parts.length >= 2, 'the first parts')
    const restart = gateway!.restart({ downMs: 400 })
    await until(() => chat.state === 'reconnecting', 'reconnecting')
    const during = chat.send('during the restart', { sessionKey: 'work' })
    await restart
    await during
    await done
    const expected = replyTo('across a restart')
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: expected })
    expect(parts.map((p) => p.deltaText).join('')).toBe(expected)
    await until(async () => (await history(chat, 'work')).assistant.length === 1, 'the reply in work')
    expect(await history(chat, 'work')).toEqual({
      user: ['during the restart'],
      assistant: [replyTo('during the restart')],
    })
    expect(await history(chat)).toEqual({ user: ['across a restart'], assistant: [expected] })
  })

  it('a gateway crash in the middle of a stream: no hang, no repeated text, a typed lost-run error; history matched by run id', async () => {
    gateway!.setChunkDelay(100)
    const chat = direct({ requestTimeoutMs: 800 })
    await chat.ready
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const part of chat.stream('crash me')) parts.push(part)
    })().then(
      () => undefined,
      (e: unknown) => e,
    )
    await until(() => parts.length >= 2, 'the first parts')
    await gateway!.crash()
    await new Promise((r) => setTimeout(r, 200))
    await gateway!.restart()
    const err = await done
    expect(err).toBeInstanceOf(ClawChatRunError)
    expect(err).toMatchObject({ state: 'lost' })
    expect(replyTo('crash me').startsWith(parts.map((p) => p.deltaText).join(''))).toBe(true)
    expect(await history(chat)).toEqual({ user: ['crash me'], assistant: [] })
  })

  it('attach: a second client opened mid-run gets the text so far (inFlightRun), then the rest, once', async () => {
    gateway!.setChunkDelay(100)
    const sender = direct()
    const tab = direct()
    await Promise.all([sender.ready, tab.ready])
    expect(await tab.attach()).toBeNull()
    let attached: Promise<StreamPart[]> | undefined
    let last = ''
    for await (const part of sender.stream('watch me')) {
      last = part.text
      if (attached || part.text.length < 20) continue
      const reply = await tab.attach()
      expect(reply).not.toBeNull()
      attached = (async () => {
        const seen: StreamPart[] = []
        for await (const p of reply!) seen.push(p)
        return seen
      })()
    }
    const seen = await attached!
    expect(seen[0]!.text.length).toBeGreaterThan(0)
    expect(seen.map((p) => p.deltaText).join('')).toBe(last)
    expect(seen.at(-1)).toMatchObject({ state: 'final', text: replyTo('watch me') })
  })

  it('a wrong token stops for good (auth-failed) instead of retrying', async () => {
    const chat = direct({ token: 'wrong-token' })
    const errors: Error[] = []
    chat.on('error', (e) => errors.push(e))
    await expect(chat.ready).rejects.toMatchObject({ reason: 'auth-failed' })
    expect(chat.closeReason).toBe('auth-failed')
    expect(errors[0]?.message).toMatch(/token/)
  })

  it('an Origin the gateway does not allow stops for good too', async () => {
    const chat = direct({ origin: 'http://evil.test' })
    await expect(chat.ready).rejects.toMatchObject({ reason: 'auth-failed' })
  })
})
