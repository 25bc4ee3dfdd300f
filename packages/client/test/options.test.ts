import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClawChat, RECONNECT_DEFAULTS } from '../src/index.js'
import { resolveOptions, resolveUrl } from '../src/options.js'
import { createFakeServer } from './helpers/fake-socket.js'

const WebSocket = createFakeServer().WebSocket
const base = { url: 'ws://127.0.0.1:1/clawchat', WebSocket }

describe('options', () => {
  it('fills in the defaults', () => {
    const o = resolveOptions(base)
    expect(o.requestTimeoutMs).toBe(30_000)
    expect(o.maxQueuedRequests).toBe(100)
    expect(o.reconnect).toEqual(RECONNECT_DEFAULTS)
    expect(RECONNECT_DEFAULTS).toEqual({
      initialDelayMs: 500,
      maxDelayMs: 15_000,
      factor: 2,
      jitter: 0.5,
      longDelayMs: 30_000,
      connectTimeoutMs: 10_000,
    })
    expect(o.url).toBe('ws://127.0.0.1:1/clawchat')
    expect(o.assistantEvents).toBe(false)
  })

  it.each([
    [{ requestTimeoutMs: -1 }, 'ClawChat: option "requestTimeoutMs" must be a positive number, got -1'],
    [{ requestTimeoutMs: 0 }, 'ClawChat: option "requestTimeoutMs" must be a positive number, got 0'],
    [{ requestTimeoutMs: Number.NaN }, 'ClawChat: option "requestTimeoutMs" must be a positive number, got NaN'],
    [{ requestTimeoutMs: '5' }, 'ClawChat: option "requestTimeoutMs" must be a positive number, got "5"'],
    [{ maxQueuedRequests: 1.5 }, 'ClawChat: option "maxQueuedRequests" must be a positive integer, got 1.5'],
    [
      { reconnect: { initialDelayMs: -5 } },
      'ClawChat: option "reconnect.initialDelayMs" must be a number of 0 or more, got -5',
    ],
    [{ reconnect: { factor: 0.5 } }, 'ClawChat: option "reconnect.factor" must be a number of 1 or more, got 0.5'],
    [{ reconnect: { jitter: 2 } }, 'ClawChat: option "reconnect.jitter" must be a number from 0 to 1, got 2'],
    [
      { reconnect: { connectTimeoutMs: 0 } },
      'ClawChat: option "reconnect.connectTimeoutMs" must be a positive number, got 0',
    ],
    [{ reconnect: 5 }, 'ClawChat: option "reconnect" must be an object, got 5'],
    [{ reconnect: { initialDelay: 5 } }, 'ClawChat: unknown option "reconnect.initialDelay"'],
    [{ requestTimeOutMs: 5 }, 'ClawChat: unknown option "requestTimeOutMs"'],
    [{ WebSocket: 'ws' }, 'ClawChat: option "WebSocket" must be a WebSocket class, got "ws"'],
    [{ fetch: 1 }, 'ClawChat: option "fetch" must be a function, got 1'],
    [{ assistantEvents: 'yes' }, 'ClawChat: option "assistantEvents" must be true or false, got "yes"'],
    [
      { url: 'ftp://x/clawchat' },
      'ClawChat: option "url" must be a ws:, wss:, http: or https: URL (or a path, in a browser), got "ftp://x/clawchat"',
    ],
    [
      { url: '/clawchat' },
      'ClawChat: option "url" must be a ws:, wss:, http: or https: URL (or a path, in a browser), got "/clawchat"',
    ],
    [{ url: 42 }, 'ClawChat: option "url" must be a string, got 42'],
  ])('rejects %j at construction with an error naming the option', (bad, message) => {
    expect(() => new ClawChat({ ...base, ...(bad as object) })).toThrow(message)
    expect(() => new ClawChat({ ...base, ...(bad as object) })).toThrow(TypeError)
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('needs a URL outside a browser, and a WebSocket where there is no global one', () => {
    expect(() => new ClawChat({ WebSocket })).toThrow('ClawChat: option "url" is required outside a browser')
    // Node 22+ has a global WebSocket (Node 20 has none): take it away to be a runtime without one.
    vi.stubGlobal('WebSocket', undefined)
    expect(() => new ClawChat({ url: base.url })).toThrow(
      'ClawChat: option "WebSocket" is required where there is no global WebSocket',
    )
  })

  it('uses the global WebSocket where there is one (browsers, Node 22 and later)', () => {
    vi.stubGlobal('WebSocket', WebSocket)
    expect(resolveOptions({ url: base.url }).WebSocket).toBe(WebSocket)
  })

  it('resolves a path against the page and turns http(s) into ws(s)', () => {
    expect(resolveUrl(undefined, 'https://app.example/chat/page')).toBe('wss://app.example/clawchat')
    expect(resolveUrl('/api/clawchat', 'http://localhost:3000/')).toBe('ws://localhost:3000/api/clawchat')
    expect(resolveUrl('https://other.example/clawchat', undefined)).toBe('wss://other.example/clawchat')
    expect(resolveUrl('ws://127.0.0.1:9/x', undefined)).toBe('ws://127.0.0.1:9/x')
  })
})
