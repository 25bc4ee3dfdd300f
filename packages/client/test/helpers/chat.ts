import { afterEach } from 'vitest'
import { ClawChat, type ClawChatOptions } from '../../src/index.js'
import { FAST, URL_, fakeFetch, type FakeServer } from './fake-socket.js'

const open: ClawChat[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

/** A ClawChat on a fake server, closed after the test. */
export function newChat(
  server: FakeServer,
  options: Partial<ClawChatOptions> = {},
): { chat: ClawChat; fetch: ReturnType<typeof fakeFetch> } {
  const fetch = fakeFetch(200)
  const chat = new ClawChat({
    url: URL_,
    WebSocket: server.WebSocket,
    fetch,
    reconnect: FAST,
    requestTimeoutMs: 5000,
    ...options,
  })
  open.push(chat)
  return { chat, fetch }
}

/** Resolves on the next event `name` of `chat`. */
export function next<T = unknown>(chat: ClawChat, name: string): Promise<T> {
  return new Promise((resolve) => {
    const off = chat.on(name, (p: unknown) => {
      off()
      resolve(p as T)
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
