import { DEFAULT_PATH } from '@clawchat/protocol'
import { PERSIST_KEY, type PersistOptions } from './persisted-sends.js'

/**
 * The part of the browser `WebSocket` the SDK uses. The browser's `WebSocket` and the `ws` package's
 * `WebSocket` (or a subclass of it that adds headers) both fit.
 *
 * @example
 * import { WebSocket } from 'ws'
 * class WithCookie extends WebSocket { constructor(url: string) { super(url, { headers: { Cookie: cookie } }) } }
 * new ClawChat({ url: 'ws://127.0.0.1:3000/clawchat', WebSocket: WithCookie })
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: unknown) => void): void
}

/**
 * A `WebSocket` class: `new WebSocket(url)`.
 *
 * @example
 * const WS: WebSocketConstructor = globalThis.WebSocket
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/**
 * The part of `fetch` the SDK uses (only for `GET <path>/session`).
 *
 * @example
 * const withCookie: FetchLike = (url, init) => fetch(url, { ...init, headers: { cookie } })
 */
export type FetchLike = (
  url: string,
  init: { credentials: 'include'; signal?: AbortSignal },
) => Promise<{ status: number }>

/**
 * Reconnect backoff: jittered exponential. Attempt `n` (after `n` failures in a row) waits
 * `min(maxDelayMs, initialDelayMs * factor^(n-1))`, minus a random part of up to `jitter` of it.
 *
 * @example
 * new ClawChat({ reconnect: { initialDelayMs: 250, maxDelayMs: 5000 } })
 */
export interface ReconnectOptions {
  /** First delay after a lost connection, in ms. Default 500. */
  initialDelayMs?: number
  /** Largest delay, in ms. Default 15000. */
  maxDelayMs?: number
  /** Growth per failed attempt. Default 2. */
  factor?: number
  /** Share of each delay that is random, 0–1. Default 0.5 (a delay lies between 50 % and 100 % of its step). */
  jitter?: number
  /** Smallest delay after close 4429 (too many connections for this user), in ms. Default 30000. */
  longDelayMs?: number
  /** Time allowed to open a socket and finish the handshake, in ms. Default 10000. */
  connectTimeoutMs?: number
}

/**
 * Options of `new ClawChat(options)`. Every option is checked at construction; a bad one throws an
 * error that names it.
 *
 * @example
 * const chat = new ClawChat({ url: '/clawchat', requestTimeoutMs: 20_000 })
 */
export interface ClawChatOptions {
  /**
   * The proxy's WebSocket URL: `ws(s)://…`, `http(s)://…` or a path. Default: the page's own origin
   * plus `/clawchat`. Outside a browser an absolute URL is required.
   */
  url?: string
  /** How long a request may wait for its answer once written to the socket, in ms. Default 30000. */
  requestTimeoutMs?: number
  /** Reconnect backoff; see {@link ReconnectOptions}. */
  reconnect?: ReconnectOptions
  /** How many requests may wait for a connection; more reject with `QUEUE_FULL`. Default 100. */
  maxQueuedRequests?: number
  /** The WebSocket class. Default: the global `WebSocket`. In Node pass `ws`'s (a subclass can add a Cookie header). */
  WebSocket?: WebSocketConstructor
  /**
   * The `fetch` used for `GET <path>/session`. Default: the global `fetch`. In Node pass one that adds the
   * Cookie header.
   */
  fetch?: FetchLike
  /**
   * Also receive the `agent` events of stream `assistant` (the reply's text again, as the agent
   * writes it). Default `false`: the proxy leaves them out, since `chat` events carry the same text.
   * Proxy mode only (direct mode gets every event the gateway sends).
   */
  assistantEvents?: boolean
  /**
   * Keep every `chat.send` not yet acknowledged (queued offline or in flight) in a storage, so that
   * a new client with the same storage (after a reload) sends it once it is ready — exactly once,
   * with the same key; see `chat.restored`. E.g. `{ storage: sessionStorage }`.
   */
  persist?: PersistOptions
}

/** Every reconnect option, filled in. */
export type ResolvedReconnect = Required<ReconnectOptions>

/** The options after defaults and validation. */
export interface ResolvedOptions {
  url: string
  requestTimeoutMs: number
  reconnect: ResolvedReconnect
  maxQueuedRequests: number
  WebSocket: WebSocketConstructor
  fetch: FetchLike | undefined
  assistantEvents: boolean
  persist: Required<PersistOptions> | undefined
}

/**
 * Default reconnect settings.
 *
 * @example
 * new ClawChat({ reconnect: { ...RECONNECT_DEFAULTS, maxDelayMs: 5000 } })
 */
export const RECONNECT_DEFAULTS: ResolvedReconnect = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  factor: 2,
  jitter: 0.5,
  longDelayMs: 30_000,
  connectTimeoutMs: 10_000,
}

const CORE_KEYS = [
  'url',
  'requestTimeoutMs',
  'reconnect',
  'maxQueuedRequests',
  'WebSocket',
  'fetch',
  'assistantEvents',
  'persist',
]

/** Builds the error for a bad option: `ClawChat: option "x" must be …, got …`. */
export function optionError(name: string, must: string, got: unknown): TypeError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : typeof got === 'function' ? 'a function' : String(got)
  return new TypeError(`ClawChat: option "${name}" must be ${must}, got ${shown}`)
}

type Rule = [must: string, ok: (v: number) => boolean]
const POSITIVE: Rule = ['a positive number', (v) => v > 0]
const NON_NEGATIVE: Rule = ['a number of 0 or more', (v) => v >= 0]
const RECONNECT_RULES: Record<keyof ReconnectOptions, Rule> = {
  initialDelayMs: NON_NEGATIVE,
  maxDelayMs: NON_NEGATIVE,
  factor: ['a number of 1 or more', (v) => v >= 1],
  jitter: ['a number from 0 to 1', (v) => v >= 0 && v <= 1],
  longDelayMs: NON_NEGATIVE,
  connectTimeoutMs: POSITIVE,
}

/** Checks a number option against its rule (NaN never passes); `undefined` gives the default. */
function num(name: string, value: unknown, fallback: number, [must, ok]: Rule): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !ok(value)) throw optionError(name, must, value)
  return value
}

/** Rejects option names the SDK does not know (a typo would otherwise be ignored silently). */
export function checkKeys(options: object, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      throw new TypeError(`ClawChat: unknown option "${prefix}${key}"; known: ${allowed.join(', ')}`)
  }
}

/**
 * Turns `url` into an absolute `ws:`/`wss:` URL: a path is resolved against the page, `http(s)` becomes `ws(s)`.
 *
 * @example
 * resolveUrl('/clawchat', 'https://app.example') // 'wss://app.example/clawchat'
 */
export function resolveUrl(url: string | undefined, base: string | undefined): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(url ?? DEFAULT_PATH, base)
  } catch {
    if (url === undefined)
      throw new TypeError('ClawChat: option "url" is required outside a browser (no page origin to default to)')
  }
  const scheme = parsed?.protocol.replace(/^http/, 'ws')
  if (!parsed || (scheme !== 'ws:' && scheme !== 'wss:'))
    throw optionError('url', 'a ws:, wss:, http: or https: URL (or a path, in a browser)', url)
  parsed.protocol = scheme
  return parsed.href
}

/**
 * Validates `options` and fills in the defaults. `extraKeys` are options a subclass handles itself.
 *
 * @example
 * resolveOptions({ url: 'ws://127.0.0.1:3000/clawchat', WebSocket }) // { requestTimeoutMs: 30000, ... }
 */
export function resolveOptions(options: ClawChatOptions, extraKeys: readonly string[] = []): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`ClawChat: options must be an object, got ${String(options)}`)
  checkKeys(options, [...CORE_KEYS, ...extraKeys])
  const {
    url,
    reconnect: r = {},
    WebSocket: WS = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    fetch,
  } = options
  if (url !== undefined && typeof url !== 'string') throw optionError('url', 'a string', url)
  if (typeof r !== 'object' || r === null) throw optionError('reconnect', 'an object', r)
  checkKeys(r, Object.keys(RECONNECT_RULES), 'reconnect.')
  const reconnect = { ...RECONNECT_DEFAULTS }
  for (const [k, rule] of Object.entries(RECONNECT_RULES) as [keyof ReconnectOptions, Rule][])
    reconnect[k] = num(`reconnect.${k}`, r[k], reconnect[k], rule)
  if (typeof WS !== 'function') {
    throw options.WebSocket === undefined
      ? new TypeError(
          'ClawChat: option "WebSocket" is required where there is no global WebSocket ' +
            '(in Node pass the "ws" package\'s WebSocket)',
        )
      : optionError('WebSocket', 'a WebSocket class', WS)
  }
  if (fetch !== undefined && typeof fetch !== 'function') throw optionError('fetch', 'a function', fetch)
  const { assistantEvents = false } = options
  if (typeof assistantEvents !== 'boolean') throw optionError('assistantEvents', 'true or false', assistantEvents)
  const globalFetch = (globalThis as { fetch?: FetchLike }).fetch
  return {
    url: resolveUrl(url, (globalThis as { location?: { href?: string } }).location?.href),
    requestTimeoutMs: num('requestTimeoutMs', options.requestTimeoutMs, 30_000, POSITIVE),
    reconnect,
    maxQueuedRequests: num('maxQueuedRequests', options.maxQueuedRequests, 100, [
      'a positive integer',
      (v) => v > 0 && Number.isInteger(v),
    ]),
    WebSocket: WS,
    fetch: fetch ?? (globalFetch && ((u, i) => globalFetch(u, i))),
    assistantEvents,
    persist: checkPersist(options.persist),
  }
}

/** Checks option `persist`: `undefined`, or a storage with `getItem`/`setItem` and an optional non-empty `key`. */
function checkPersist(persist: unknown): Required<PersistOptions> | undefined {
  if (persist === undefined) return undefined
  const p = persist as Partial<PersistOptions> | null
  if (!p || typeof p !== 'object') throw optionError('persist', 'an object { storage, key? }', persist)
  const s = p.storage
  if (!s || typeof s.getItem !== 'function' || typeof s.setItem !== 'function')
    throw optionError('persist.storage', 'a storage with getItem and setItem (e.g. sessionStorage)', s)
  if (p.key !== undefined && (typeof p.key !== 'string' || !p.key))
    throw optionError('persist.key', 'a non-empty string', p.key)
  return { storage: s, key: p.key ?? PERSIST_KEY }
}
