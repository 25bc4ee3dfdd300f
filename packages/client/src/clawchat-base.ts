import type { ClawChatSessionPayload, ClawChatUser, MethodName, MethodParams, MethodResult } from '@clawchat/protocol'
import { agentWorkOf, type AgentWork } from './agent-work.js'
import { Connection } from './connection.js'
import { ClawChatRequestError, type CloseReason } from './errors.js'
import type { ClawChatEventMap, ClawChatState } from './events.js'
import { HANDSHAKE, proxyHandshake, type ModeOptions } from './handshake.js'
import { uuid } from './ids.js'
import { resolveOptions, type ClawChatOptions } from './options.js'
import { PLAIN, TRACKED_SEND } from './request-manager.js'
import type { RequestOptions } from './request-options.js'

/** Methods whose params carry a `sessionKey` the SDK fills in and checks. */
const SESSION_METHODS = ['chat.send', 'chat.history', 'chat.abort', 'sessions.rewind']
/** Methods whose params carry a session `key` the SDK checks. */
const KEY_METHODS = ['sessions.patch', 'sessions.delete']

/** What `ClawChat` uses of its core (kept out of the public types). */
export interface Core {
  readonly conn: Connection
  /** Tool calls, pending approvals and questions. */
  readonly work: AgentWork
  /** How long a stream in recovery waits for a sign of its run before it looks in the history again. */
  readonly quietMs: number
  /** Direct mode (no proxy: no `clawchat.runs`, the gateway's own session keys in events). */
  readonly direct: boolean
  /** The session key to send, or throws an `INVALID_REQUEST` error of `method` saying why `key` is not valid. */
  keyOf(method: string, key: string | undefined): string
}

const cores = new WeakMap<object, Core>()

/**
 * The core of a client.
 *
 * @example
 * const { conn, work } = coreOf(chat)
 */
export const coreOf = (chat: ClawChatBase): Core => cores.get(chat)!

/**
 * The core of {@link ClawChat}: the connection, who is connected, events, typed requests and
 * `close()`. `ClawChat` adds the chat methods on top (this class is not used on its own).
 *
 * @example
 * import { ClawChat } from '@clawchat/client'
 * const chat = new ClawChat()                 // same origin + /clawchat, the page's own login cookie
 * await chat.ready
 * console.log(`hello ${chat.user?.name}`)
 */
export class ClawChatBase {
  /**
   * Resolves once the first connection is ready (then `user`, `sessionKey` and `methods` are set);
   * rejects with {@link ClawChatClosedError} when the client closes before that.
   *
   * @example
   * await chat.ready
   */
  readonly ready: Promise<void>
  readonly #conn: Connection

  /**
   * Creates the client and starts connecting at once. Options are checked here; a bad one throws a
   * `TypeError` naming it.
   *
   * @example
   * const chat = new ClawChat({ url: 'wss://app.example/clawchat', requestTimeoutMs: 20_000 })
   */
  constructor(options: ClawChatOptions = {}) {
    const resolved = resolveOptions(options)
    const mode = (options as ModeOptions)[HANDSHAKE]
    const conn = new Connection(resolved, mode ?? proxyHandshake(resolved.assistantEvents))
    this.#conn = conn
    this.ready = conn.ready
    const keyOf = (method: string, key: string | undefined) => this.#key(method, key)
    cores.set(this, { conn, work: agentWorkOf(conn), quietMs: resolved.requestTimeoutMs, direct: !!mode, keyOf })
  }

  /**
   * The connection state: `connecting`, `open`, `reconnecting`, `gateway-down`, `misconfigured` or `closed`.
   *
   * @example
   * if (chat.state !== 'open') banner.textContent = 'Reconnecting…'
   */
  get state(): ClawChatState {
    return this.#conn.shownState
  }

  /**
   * Why the client closed for good (`logged-out`, `closed`, `auth-failed`); `undefined` while it is not closed.
   *
   * @example
   * chat.on('state', (s) => {
   *   if (s.state === 'closed' && chat.closeReason === 'logged-out') location.assign('/login')
   * })
   */
  get closeReason(): CloseReason | undefined {
    const s = this.#conn.state
    return s.phase === 'closed' ? s.reason : undefined
  }

  /**
   * The logged-in user, as the proxy's `clawchat.session` said (after `ready`; none in direct mode).
   *
   * @example
   * await chat.ready; greet(chat.user?.name ?? chat.user?.id)
   */
  get user(): ClawChatUser | undefined {
    return this.#conn.identity.user
  }

  /**
   * The default session key (`main`), used when a call names none.
   *
   * @example
   * await chat.history({ sessionKey: chat.sessionKey })
   */
  get sessionKey(): string {
    return this.#conn.identity.sessionKey
  }

  /**
   * The methods this user may call (after `ready`).
   *
   * @example
   * resetButton.hidden = !chat.methods.includes('sessions.reset')
   */
  get methods(): readonly string[] {
    return this.#conn.identity.methods
  }

  /**
   * The whole `clawchat.session` payload: user, session key, methods and limits (proxy mode, after `ready`).
   *
   * @example
   * console.log(chat.session?.limits.maxPayload)
   */
  get session(): ClawChatSessionPayload | undefined {
    return this.#conn.identity.session
  }

  /**
   * Subscribes to an event; returns the function that unsubscribes. Typed: `chat`, `agent`, `state`,
   * `session`, `resync`, `error`, `clawchat.session`, `clawchat.gateway`, `tick`, `tool`, `approvals`,
   * `questions`, `exec.approval.*`, `plugin.approval.*`, `question.*`; any other gateway event name
   * works too, with an `unknown` payload.
   *
   * @example
   * const off = chat.on('chat', (e) => { if (e.state === 'delta') append(e.deltaText) })
   * chat.on('resync', () => reloadHistory())
   * chat.on('sessions.changed', (p) => console.log(p))
   * off()
   */
  on<K extends keyof ClawChatEventMap>(name: K, listener: (payload: ClawChatEventMap[K]) => void): () => void
  on(name: string, listener: (payload: unknown) => void): () => void
  on(name: string, listener: (payload: never) => void): () => void {
    return this.#conn.events.on(name, listener as (payload: unknown) => void)
  }

  /**
   * Calls any method. Methods of `@clawchat/protocol`'s method map are typed (params and result);
   * other names take and return `unknown`. Requests wait in the queue while disconnected; one in
   * flight at a disconnect is rejected as retryable (a `chat.send` is re-sent instead).
   *
   * @example
   * const { sessions } = await chat.request('sessions.list', {})
   * const anything = await chat.request('some.other.method', { x: 1 })
   */
  request<M extends string>(
    method: M,
    params: M extends MethodName ? MethodParams<M> : unknown,
    options: RequestOptions = {},
  ): Promise<M extends MethodName ? MethodResult<M> : unknown> {
    type R = Promise<M extends MethodName ? MethodResult<M> : unknown>
    const p: Record<string, unknown> = params && typeof params === 'object' ? { ...(params as object) } : {}
    try {
      if (SESSION_METHODS.includes(method)) p.sessionKey = this.#key(method, p.sessionKey as string | undefined)
      if (KEY_METHODS.includes(method) && typeof p.key === 'string') p.key = this.#key(method, p.key)
    } catch (err) {
      return Promise.reject(err) as R
    }
    const isSend = method === 'chat.send'
    if (isSend && typeof p.idempotencyKey !== 'string') p.idempotencyKey = uuid()
    return this.#conn.requests.call(method, p, options, isSend ? TRACKED_SEND : PLAIN) as R
  }

  /**
   * Closes for good: the socket closes, nothing reconnects, every waiting request rejects with
   * {@link ClawChatClosedError} (`reason: 'closed'`).
   *
   * @example
   * window.addEventListener('pagehide', () => chat.close())
   */
  close(): void {
    this.#conn.close('closed')
  }

  /** The session key to send, or an `INVALID_REQUEST` error of `method` saying why `key` is not valid. */
  #key(method: string, key: string | undefined): string {
    try {
      return this.#conn.sessionKeyFor(key)
    } catch (err) {
      throw new ClawChatRequestError(method, { code: 'INVALID_REQUEST', message: (err as Error).message })
    }
  }
}
