import { afterEach, vi } from 'vitest'
import { ClawChat, type ClawChatOptions, type StreamPart } from '../../src/index.js'
import { FAST, URL_, fakeFetch, type FakeServer } from './fake-socket.js'

const open: ClawChat[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
  vi.useRealTimers()
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

/**
 * Runs the rest of the test on fake time: `setTimeout`, `setInterval` and `Date` (the SDK's clock
 * reads them at each call); the fake server needs none. Real timers come back after the test.
 */
export function useFakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

/** Moves fake time on by `ms`: what falls due runs, with the promise jobs that follow each timer. */
export async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
}

/** Moves fake time on in steps of `stepMs` until `promise` settles (at most `maxMs` of fake time); returns it. */
export async function settle<T>(promise: Promise<T>, maxMs = 60_000, stepMs = 10): Promise<T> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let t = 0; !settled && t < maxMs; t += stepMs) await vi.advanceTimersByTimeAsync(stepMs)
  return promise
}

/** Waits for a later turn of the event loop (a scripted server's next frame); no time passes. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Every part of a stream, once it has ended. */
export async function collect(iter: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = []
  for await (const p of iter) parts.push(p)
  return parts
}
