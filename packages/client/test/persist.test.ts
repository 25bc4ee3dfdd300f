import { describe, expect, it } from 'vitest'
import { ClawChat, PERSIST_KEY, type SendStorage } from '../src/index.js'
import { newChat, nextTurn } from './helpers/chat.js'
import { createFakeServer, FAST, URL_, type FakeServer } from './helpers/fake-socket.js'

/** A `sessionStorage` stand-in. */
function memoryStorage(): SendStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) }
}

const stored = (s: { map: Map<string, string> }) => JSON.parse(s.map.get(PERSIST_KEY) ?? '[]') as unknown[]

/** A first page: its server never answers chat.send (the page "reloads" before the ack). */
async function pageWithUnsentMessage(storage: SendStorage, answer = false) {
  const server = createFakeServer()
  if (!answer) server.handlers['chat.send'] = () => undefined
  const { chat } = newChat(server, { persist: { storage } })
  void chat.send('Hello', { sessionKey: 'work' }).catch(() => {})
  await chat.ready
  await nextTurn()
  const key = server.requests('chat.send')[0]!.params.idempotencyKey as string
  chat.close() // the reload
  return key
}

describe('option persist', () => {
  it('keeps a send until it is acknowledged, then forgets it', async () => {
    const storage = memoryStorage()
    const server = createFakeServer()
    let ack: (() => void) | undefined
    server.handlers['chat.send'] = (p, f, socket) => {
      const res = { type: 'res', id: f.id, ok: true, payload: { runId: p.idempotencyKey, status: 'started' } }
      ack = () => socket.receive(res as never)
      return undefined
    }
    const { chat } = newChat(server, { persist: { storage } })
    const sent = chat.send('Hello')
    await chat.ready
    await nextTurn()
    expect(stored(storage)).toEqual([
      { params: expect.objectContaining({ message: 'Hello', sessionKey: 'main' }), user: 'u1' },
    ])
    ack!()
    await sent
    expect(stored(storage)).toEqual([])
  })

  it('a new client with the same storage sends it once ready, after the history check, with the same key', async () => {
    const storage = memoryStorage()
    const key = await pageWithUnsentMessage(storage)
    const server = createFakeServer()
    const { chat } = newChat(server, { persist: { storage } })
    expect(chat.restored.map((r) => [r.runId, r.sessionKey, r.message])).toEqual([[key, 'work', 'Hello']])
    expect(await chat.restored[0]!.result).toEqual({ runId: key, status: 'started' })
    const frames = server.last.sent.filter((f) => f.method === 'chat.history' || f.method === 'chat.send')
    expect(frames.map((f) => f.method)).toEqual(['chat.history', 'chat.send'])
    expect(frames[1]!.params).toMatchObject({ idempotencyKey: key, message: 'Hello', sessionKey: 'work' })
    expect(stored(storage)).toEqual([])
  })

  it('a message the history already has is not sent again', async () => {
    const storage = memoryStorage()
    const key = await pageWithUnsentMessage(storage)
    const server = createFakeServer()
    server.handlers['chat.history'] = (p) => ({
      payload: { sessionKey: p.sessionKey, messages: [{ role: 'user', content: 'Hello', runId: key, id: 'e1' }] },
    })
    const { chat } = newChat(server, { persist: { storage } })
    expect(await chat.restored[0]!.result).toEqual({ runId: key, status: 'in_flight' })
    expect(server.requests('chat.send')).toHaveLength(0)
    expect(stored(storage)).toEqual([])
  })

  it("another user's stored message is dropped, never sent", async () => {
    const storage = memoryStorage()
    await pageWithUnsentMessage(storage)
    const server = createFakeServer()
    server.session = { ...server.session, user: { id: 'u2', name: 'Bob', role: 'user' } }
    const { chat } = newChat(server, { persist: { storage } })
    await expect(chat.restored[0]!.result).rejects.toMatchObject({ code: 'FORBIDDEN' })
    expect(server.requests('chat.send')).toHaveLength(0)
    expect(stored(storage)).toEqual([])
  })

  it('is checked: a bad storage or key is refused, naming the option', () => {
    const server: FakeServer = createFakeServer()
    const make = (persist: unknown) =>
      new ClawChat({ url: URL_, WebSocket: server.WebSocket, reconnect: FAST, persist } as never)
    expect(() => make({})).toThrow(/option "persist.storage" must be a storage with getItem and setItem/)
    expect(() => make({ storage: memoryStorage(), key: '' })).toThrow(/option "persist.key" must be a non-empty string/)
    expect(() => make('session')).toThrow(/option "persist" must be an object/)
  })

  it('storage that is not JSON, or full, loses nothing', async () => {
    const storage = memoryStorage()
    storage.map.set(PERSIST_KEY, '{not json')
    storage.setItem = () => {
      throw new Error('QuotaExceededError')
    }
    const { chat } = newChat(createFakeServer(), { persist: { storage } })
    expect(chat.restored).toEqual([])
    expect(await chat.send('Hi')).toMatchObject({ status: 'started' })
  })
})
