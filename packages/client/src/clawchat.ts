import {
  BROWSER_CLIENT,
  CLAWCHAT_GATEWAY_EVENT,
  CLAWCHAT_SESSION_EVENT,
  CLOSE_CODE_TABLE,
  DEFAULT_SESSION_KEY,
  PROTOCOL_VERSION,
  MISCONFIGURED_REASON,
  parseSessionKey,
  type ChatAbortResult,
  type ChatAttachment,
  type ChatHistoryResult,
  type ChatSendResult,
  type ClawChatGatewayPayload,
  type ClawChatSessionPayload,
  type ClawChatUser,
  type ErrorShape,
  type MethodName,
  type MethodParams,
  type MethodResult,
} from '@clawchat/protocol'
import { ClawChatClosedError, ClawChatRequestError, type CloseReason } from './errors.js'
import { Emitter, type ClawChatEventMap, type ClawChatState, type ResyncInfo } from './events.js'
import { uuid } from './ids.js'
import { resolveOptions, type ClawChatOptions, type ResolvedOptions } from './options.js'
import { RequestTracker, type Pending } from './request-tracker.js'
import { RunRecovery, type SentParams } from './run-recovery.js'
import { SendQueue } from './send-queue.js'
import { loggedOut } from './session-check.js'
import { chatStream, type StreamHost, type StreamOptions, type StreamPart } from './stream.js'
import { Transport, type SocketEnd } from './transport.js'
import { SDK_VERSION } from './version.js'

/**
 * Options every request takes.
 *
 * @example
 * await chat.request('sessions.list', {}, { timeoutMs: 5000, signal: AbortSignal.timeout(10_000) })
 */
export interface RequestOptions {
  /** Rejects with an `AbortError` when it fires; the server is told (`cancel` frame, or `chat.abort` for a send). */
  signal?: AbortSignal
  /** This request's own timeout in ms (default: `requestTimeoutMs`). */
  timeoutMs?: number
}

/**
 * Options of `chat.send()`.
 *
 * @example
 * await chat.send('Hello', { sessionKey: 'work', attachments: [{ type: 'image', mimeType: 'image/png', content: base64 }] })
 */
export interface SendOptions extends RequestOptions {
  /** The session; default `main` (the user's own session). */
  sessionKey?: string
  attachments?: ChatAttachment[]
}

/**
 * Options of `chat.history()`.
 *
 * @example
 * await chat.history({ sessionKey: 'work', limit: 50 })
 */
export interface HistoryOptions extends RequestOptions {
  sessionKey?: string
  /** At most this many messages (the latest). */
  limit?: number
}

/**
 * Options of `chat.abort()`: the session's active run, or the named one.
 *
 * @example
 * await chat.abort({ sessionKey: 'work' })
 */
export interface AbortRunOptions extends RequestOptions {
  sessionKey?: string
  runId?: string
}

/**
 * The parts of `hello-ok` the SDK reads (for subclasses such as direct mode).
 *
 * @example
 * const tick = (hello: HelloPayload) => hello.policy?.tickIntervalMs
 */
export interface HelloPayload {
  type?: string
  server?: { version?: string; connId?: string }
  features?: { methods?: string[]; events?: string[] }
  snapshot?: { sessionDefaults?: { mainKey?: string; mainSessionKey?: string } }
  auth?: { role?: string; scopes?: string[]; deviceToken?: string }
  policy?: { maxPayload?: number; tickIntervalMs?: number }
}

/**
 * The `connect.challenge` payload.
 *
 * @example
 * const signedAt = (c: Challenge) => c.ts
 */
export interface Challenge {
  nonce?: string
  ts?: number
}

/** Methods whose params carry a `sessionKey` the SDK fills in and checks. */
const SESSION_METHODS = ['chat.send', 'chat.history', 'chat.abort']
/** How often an `UNAVAILABLE` or `RATE_LIMITED` answer may send a `chat.send` back to the queue. */
const MAX_SEND_RETRIES = 10
/** `details.reason` of a request the gateway refused while it drains for a restart (not counted as a retry). */
const GATEWAY_RESTARTING = 'gateway-restarting'
/** `chat` states that end a run. */
const RUN_ENDS = ['final', 'error', 'aborted']

/**
 * The ClawChat browser SDK: typed requests, typed events, streamed replies, and a reconnecting socket
 * that loses and duplicates nothing (docs/ARCHITECTURE.md "The wire").
 *
 * @example
 * import { ClawChat } from '@clawchat/client'
 * const chat = new ClawChat()                 // same origin + /clawchat, the page's own login cookie
 * await chat.ready
 * console.log(`hello ${chat.user?.name}`)
 * for await (const part of chat.stream('Hello')) output.textContent = part.text
 */
export class ClawChat {
  /**
   * Resolves once the first connection is ready (then `user`, `sessionKey` and `methods` are set);
   * rejects with {@link ClawChatClosedError} when the client closes before that.
   *
   * @example
   * await chat.ready
   */
  readonly ready: Promise<void>

  /** @internal */ protected readonly o: ResolvedOptions
  /** @internal */ protected readonly events = new Emitter()
  /** @internal */ protected _methods: readonly string[] = []
  /** @internal */ protected _sessionKey = DEFAULT_SESSION_KEY
  /** @internal */ protected _user: ClawChatUser | undefined
  /** @internal */ protected checksSession = true
  #session: ClawChatSessionPayload | undefined
  #state: ClawChatState = 'connecting'
  #closeReason: CloseReason | undefined
  readonly #tracker: RequestTracker
  readonly #queue: SendQueue<Pending>
  readonly #recovery = new RunRecovery<Pending>()
  /** History checks of {@link RunRecovery} under way: `chat.send`s wait in the queue until they end. */
  #verifying = 0
  readonly #transport: Transport
  #settleReady!: (error?: Error) => void
  #everReady = false
  #connected = false
  #helloDone = false
  #sessionDone = false
  #gatewayDown = false
  /** While the gateway refuses the proxy (`clawchat.gateway {state:"misconfigured"}`): why, for people. */
  #misconfigured: string | undefined
  #generation = 0
  #connectId: string | undefined
  #lastSeq: number | undefined
  #maxPayload = 0
  #heartbeatMs = 0
  #pendingResync: ResyncInfo['reason'] | undefined
  #checking = false
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #detach: () => void = () => {}

  /**
   * Creates the client and starts connecting at once. Options are checked here; a bad one throws a
   * `TypeError` naming it.
   *
   * @example
   * const chat = new ClawChat({ url: 'wss://app.example/clawchat', requestTimeoutMs: 20_000 })
   */
  constructor(options: ClawChatOptions = {}) {
    this.o = resolveOptions(options)
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve())
    })
    this.ready.catch(() => {})
    this.#tracker = new RequestTracker({
      aborted: (p) => this.#onAborted(p),
      timedOut: (p) => {
        if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
        else this.#transport.send(JSON.stringify({ type: 'cancel', id: p.id }))
      },
    })
    this.#queue = new SendQueue(this.o.maxQueuedRequests)
    this.#transport = new Transport(this.o.url, this.o.WebSocket, this.o.reconnect, {
      open: () => this.#onOpen(),
      message: (data) => this.#onMessage(data),
      end: (info) => this.#onEnd(info),
    })
    this.#listenToPage()
  }

  /**
   * The connection state: `connecting`, `open`, `reconnecting`, `gateway-down`, `misconfigured` or `closed`.
   *
   * @example
   * if (chat.state !== 'open') banner.textContent = 'Reconnecting…'
   */
  get state(): ClawChatState {
    return this.#state
  }

  /**
   * Why the client closed for good (`logged-out`, `closed`, `auth-failed`); `undefined` while it is not closed.
   *
   * @example
   * chat.on('state', (s) => { if (s.state === 'closed' && chat.closeReason === 'logged-out') location.assign('/login') })
   */
  get closeReason(): CloseReason | undefined {
    return this.#closeReason
  }

  /**
   * The logged-in user, as the proxy's `clawchat.session` said (after `ready`; none in direct mode).
   *
   * @example
   * await chat.ready; greet(chat.user?.name ?? chat.user?.id)
   */
  get user(): ClawChatUser | undefined {
    return this._user
  }

  /**
   * The default session key (`main`), used when a call names none.
   *
   * @example
   * await chat.history({ sessionKey: chat.sessionKey })
   */
  get sessionKey(): string {
    return this._sessionKey
  }

  /**
   * The methods this user may call (after `ready`).
   *
   * @example
   * resetButton.hidden = !chat.methods.includes('sessions.reset')
   */
  get methods(): readonly string[] {
    return this._methods
  }

  /**
   * The whole `clawchat.session` payload: user, session key, methods and limits (proxy mode, after `ready`).
   *
   * @example
   * console.log(chat.session?.limits.maxPayload)
   */
  get session(): ClawChatSessionPayload | undefined {
    return this.#session
  }

  /**
   * Subscribes to an event; returns the function that unsubscribes. Typed: `chat`, `agent`, `state`,
   * `session`, `resync`, `error`, `clawchat.session`, `clawchat.gateway`, `tick`; any other gateway
   * event name works too, with an `unknown` payload.
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
    return this.events.on(name, listener as (payload: unknown) => void)
  }

  /**
   * Sends a message; resolves with its `runId` once the server accepted it. The SDK makes the
   * `idempotencyKey` (= `runId`) itself, so a send queued while offline, or re-sent after a lost
   * connection, runs once. Follow the reply with `on('chat')`, or use {@link ClawChat.stream}.
   *
   * @example
   * const { runId } = await chat.send('Hello', { sessionKey: 'work' })
   */
  send(message: string, options: SendOptions = {}): Promise<ChatSendResult> {
    const { signal, timeoutMs, sessionKey, attachments } = options
    return this.request(
      'chat.send',
      { message, sessionKey, ...(attachments ? { attachments } : {}) },
      { signal, timeoutMs },
    )
  }

  /**
   * Sends a message and yields the reply as it grows: parts `{ deltaText, text, replace, state, … }`
   * in order, the last one with `state: 'final'`. Throws {@link ClawChatRunError} when the run fails or
   * is aborted elsewhere; aborts the run upstream when `signal` fires or the loop stops early. A
   * reconnect in the middle is invisible: the missing text comes from `chat.history`, never twice.
   *
   * @example
   * for await (const part of chat.stream('Tell me a story', { signal })) {
   *   output.textContent = part.text
   * }
   */
  stream(message: string, options: StreamOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    let key: string
    try {
      key = this.#key('chat.send', options.sessionKey)
    } catch (err) {
      // eslint-disable-next-line require-yield
      return (async function* () {
        throw err
      })()
    }
    const host: StreamHost = {
      events: this.events,
      quietMs: this.o.requestTimeoutMs,
      startSend: (params, signal) => this.#startSend(params, signal),
      history: (sessionKey) => this.request('chat.history', { sessionKey, limit: 100 }),
    }
    return chatStream(host, message, key, options)
  }

  /**
   * A session's messages (the latest `limit`).
   *
   * @example
   * const { messages } = await chat.history({ sessionKey: 'main', limit: 50 })
   */
  history(options: HistoryOptions = {}): Promise<ChatHistoryResult> {
    const { signal, timeoutMs, sessionKey, limit } = options
    return this.request(
      'chat.history',
      { sessionKey, ...(limit !== undefined ? { limit } : {}) },
      { signal, timeoutMs },
    )
  }

  /**
   * Aborts the session's active run, or the run `runId`.
   *
   * @example
   * await chat.abort({ runId })
   */
  abort(options: AbortRunOptions = {}): Promise<ChatAbortResult> {
    const { signal, timeoutMs, sessionKey, runId } = options
    return this.request('chat.abort', { sessionKey, ...(runId ? { runId } : {}) }, { signal, timeoutMs })
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
    } catch (err) {
      return Promise.reject(err) as R
    }
    if (method === 'chat.send' && typeof p.idempotencyKey !== 'string') p.idempotencyKey = uuid()
    return this.#call(method, p, options, method === 'chat.send', method === 'chat.send') as R
  }

  /**
   * Closes for good: the socket closes, nothing reconnects, every waiting request rejects with
   * {@link ClawChatClosedError} (`reason: 'closed'`).
   *
   * @example
   * window.addEventListener('pagehide', () => chat.close())
   */
  close(): void {
    this.#finish('closed')
  }

  // ---- hooks a mode overrides (direct mode) ----

  /** @internal The `connect` params for this challenge. */
  protected connectParams(_challenge: Challenge): unknown {
    return {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: { id: BROWSER_CLIENT.id, version: SDK_VERSION, platform: 'web', mode: BROWSER_CLIENT.mode },
    }
  }

  /** @internal `hello-ok` arrived; true when the connection is ready now (else it waits for `clawchat.session`). */
  protected helloReceived(_hello: HelloPayload): boolean | Promise<boolean> {
    return false
  }

  /** @internal The session key to send for `key` (checked and lower-cased for the proxy). */
  protected sessionKeyFor(key: string | undefined): string {
    if (key === undefined) return this._sessionKey
    const parsed = parseSessionKey(key)
    if (!parsed.ok) throw new Error(parsed.message)
    return parsed.key
  }

  /** @internal `connect` was refused; true to stop for good (`auth-failed`). */
  protected connectRefused(_error: Partial<ErrorShape>): boolean {
    return false
  }

  // ---- internals ----

  #key(method: string, key: string | undefined): string {
    try {
      return this.sessionKeyFor(key)
    } catch (err) {
      throw new ClawChatRequestError(method, { code: 'INVALID_REQUEST', message: (err as Error).message })
    }
  }

  #startSend(
    params: { sessionKey: string; idempotencyKey: string; message: string },
    signal: AbortSignal,
  ): Promise<ChatSendResult> {
    const promise = this.#call('chat.send', params, { signal }, true) as Promise<ChatSendResult>
    promise.then(
      () => {
        const abort = () => this.#abortRun(params.sessionKey, params.idempotencyKey)
        if (signal.aborted) abort()
        else signal.addEventListener('abort', abort, { once: true })
      },
      () => {},
    )
    return promise
  }

  /** Makes a request; with `recover`, a `chat.send` whose run {@link RunRecovery} follows until it ends. */
  #call(
    method: string,
    params: Record<string, unknown>,
    options: RequestOptions,
    resend: boolean,
    recover = false,
  ): Promise<unknown> {
    if (this.#closeReason) return Promise.reject(new ClawChatClosedError(this.#closeReason))
    const { pending, promise } = this.#tracker.create(method, params, {
      timeoutMs: options.timeoutMs ?? this.o.requestTimeoutMs,
      signal: options.signal,
      resend,
    })
    if (!this.#tracker.get(pending.id)) return promise // the signal had already fired
    if (resend && this.#connected && this.#misconfigured !== undefined) {
      // Waiting would be forever: a person must fix the gateway first.
      this.#tracker.settle(pending, this.#misconfiguredError(method))
      return promise
    }
    if (recover) this.#recovery.track(params as SentParams, pending)
    if (this.#canWrite(pending)) this.#write(pending)
    else if (!this.#queue.push(pending)) {
      this.#tracker.settle(
        pending,
        new ClawChatRequestError(method, {
          code: 'QUEUE_FULL',
          message: `${this.#queue.limit} requests already wait for the connection; wait for state "open", or raise maxQueuedRequests`,
          retryable: true,
        }),
      )
    }
    return promise
  }

  #canWrite(p: Pending): boolean {
    const gatewayAway = this.#state === 'gateway-down' || this.#state === 'misconfigured'
    return this.#connected && !(p.resend && this.#verifying) && (this.#state === 'open' || (gatewayAway && !p.resend))
  }

  #write(p: Pending): void {
    if (this.#maxPayload && new TextEncoder().encode(p.frame).length > this.#maxPayload) this.#tooBig(p)
    else if (this.#transport.send(p.frame)) this.#tracker.sent(p)
    else this.#queue.requeue(p)
  }

  #tooBig(p: Pending): void {
    this.#tracker.settle(
      p,
      new ClawChatRequestError(p.method, {
        code: 'PAYLOAD_TOO_LARGE',
        message: `${p.method} is over the server's maxPayload; send less`,
      }),
    )
  }

  #flush(): void {
    for (const p of this.#queue.drain((q) => this.#canWrite(q))) this.#write(p)
  }

  /**
   * Before the queue goes out again: runs sent with `send()` that never ended are looked up in
   * their session's history first (see {@link RunRecovery}); `chat.send`s wait until that is done.
   */
  #recover(): void {
    if (!this.#recovery.size) return this.#flush()
    this.#verifying++
    void this.#recovery
      .check({
        history: async (sessionKey) =>
          ((await this.#call('chat.history', { sessionKey, limit: 200 }, {}, false)) as ChatHistoryResult).messages ??
          [],
        answer: (p, result) => {
          this.#queue.remove(p)
          this.#tracker.settle(p, undefined, result)
        },
        resend: (params) => void this.#call('chat.send', params, {}, true, true).catch(() => {}),
      })
      .finally(() => {
        this.#verifying--
        this.#flush()
      })
  }

  /** The error of a `chat.send` that cannot wait: the gateway refuses the proxy until a person acts. */
  #misconfiguredError(method: string): ClawChatRequestError {
    return new ClawChatRequestError(method, {
      code: 'UNAVAILABLE',
      message: `${this.#misconfigured} The message was not sent: the chat gateway refuses this server until an administrator fixes it.`,
      retryable: false,
      details: { reason: MISCONFIGURED_REASON },
    })
  }

  /** Fails the `chat.send`s waiting in the queue: while the gateway is misconfigured they would wait forever. */
  #failWaitingSends(): void {
    for (const p of this.#queue.drain((q) => q.resend && !q.sent)) {
      this.#recovery.ended(p.params.idempotencyKey)
      this.#tracker.settle(p, this.#misconfiguredError(p.method))
    }
  }

  #abortRun(sessionKey: string, runId: string): void {
    this.#call('chat.abort', { sessionKey, runId }, {}, false).catch(() => {})
  }

  #onAborted(p: Pending): void {
    if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
    if (!p.sent) this.#queue.remove(p)
    else if (p.resend) this.#abortRun(p.params.sessionKey as string, p.params.idempotencyKey as string)
    else this.#transport.send(JSON.stringify({ type: 'cancel', id: p.id }))
  }

  #onOpen(): void {
    this.#generation++
    this.#helloDone = this.#sessionDone = this.#gatewayDown = false
    this.#misconfigured = undefined
    this.#lastSeq = undefined
    clearTimeout(this.#handshakeTimer)
    this.#handshakeTimer = setTimeout(
      () => this.#transport.restart('handshake timeout'),
      this.o.reconnect.connectTimeoutMs,
    )
  }

  #onMessage(data: string): void {
    this.#feedHeartbeat()
    let frame: {
      type?: unknown
      id?: unknown
      event?: unknown
      payload?: any
      seq?: unknown
      ok?: unknown
      error?: Partial<ErrorShape>
    }
    try {
      frame = JSON.parse(data)
    } catch {
      this.events.emit('error', new Error(`ClawChat: a frame was not JSON: ${data.slice(0, 80)}`))
      return
    }
    if (frame?.type === 'event' && typeof frame.event === 'string') this.#onEvent(frame.event, frame.payload, frame.seq)
    else if (frame?.type === 'res') this.#onResponse(frame.id, frame.ok === true, frame.payload, frame.error)
  }

  #onEvent(name: string, payload: any, seq: unknown): void {
    if (name === 'chat' && RUN_ENDS.includes(payload?.state)) this.#recovery.ended(payload.runId)
    if (typeof seq === 'number') {
      if (this.#connected && this.#lastSeq !== undefined && seq > this.#lastSeq + 1) this.#resync('gap')
      this.#lastSeq = seq
    }
    if (name === 'connect.challenge') void this.#sendConnect(payload ?? {})
    else if (name === CLAWCHAT_SESSION_EVENT) {
      const s = payload as ClawChatSessionPayload
      this.#session = s
      this._user = s.user
      this._sessionKey = s.sessionKey || DEFAULT_SESSION_KEY
      this._methods = s.methods ?? []
      this.#sessionDone = true
      this.events.emit('session', s)
      this.#maybeReady()
    } else if (name === CLAWCHAT_GATEWAY_EVENT) this.#onGateway(payload as ClawChatGatewayPayload)
    this.events.emit(name, payload)
  }

  async #sendConnect(challenge: Challenge): Promise<void> {
    const generation = this.#generation
    if (this.#connectId || this.#helloDone) return
    this.#connectId = `connect-${generation}`
    let params: unknown
    try {
      params = await this.connectParams(challenge)
    } catch (err) {
      this.events.emit('error', err instanceof Error ? err : new Error(String(err)))
      if (generation === this.#generation) this.#transport.restart('connect failed')
      return
    }
    if (generation === this.#generation && this.#connectId)
      this.#transport.send(JSON.stringify({ type: 'req', id: this.#connectId, method: 'connect', params }))
  }

  #onResponse(id: unknown, ok: boolean, payload: unknown, error: Partial<ErrorShape> | undefined): void {
    if (id !== undefined && id === this.#connectId) {
      this.#connectId = undefined
      if (ok) return this.#onHello((payload ?? {}) as HelloPayload)
      this.events.emit('error', new ClawChatRequestError('connect', error ?? {}))
      if (this.connectRefused(error ?? {})) this.#finish('auth-failed')
      return
    }
    const p = this.#tracker.get(id)
    if (!p) return // answered after a timeout, abort or cancel
    if (ok) {
      if (p.resend) this.#recovery.acked(p.params.idempotencyKey as string)
      return this.#tracker.settle(p, undefined, payload)
    }
    const reason = (error?.details as { reason?: unknown } | undefined)?.reason
    const draining = reason === GATEWAY_RESTARTING
    if (
      p.resend &&
      reason !== MISCONFIGURED_REASON &&
      (error?.code === 'UNAVAILABLE' || error?.code === 'RATE_LIMITED') &&
      (draining || p.retries < MAX_SEND_RETRIES)
    ) {
      // The gateway is away or draining for a restart (it accepted nothing), or the queue went out
      // faster than the proxy allows: the send waits (for `clawchat.gateway up`, or `retryAfterMs`)
      // and goes again with the same key. A drain ends by itself, so its refusals are not counted;
      // they wait longer each time (×2 up to ×8, jittered) so that many clients do not hammer it.
      const wait =
        (error.retryAfterMs ?? 1000) * (draining ? Math.min(2 ** p.retries, 8) * (0.5 + Math.random() / 2) : 1)
      p.retries++
      this.#tracker.unsent(p)
      this.#queue.requeue(p)
      clearTimeout(this.#retryTimer)
      this.#retryTimer = setTimeout(() => this.#flush(), wait)
      return
    }
    if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
    this.#tracker.settle(p, new ClawChatRequestError(p.method, error ?? {}))
  }

  #onHello(hello: HelloPayload): void {
    const generation = this.#generation
    this.#helloDone = true
    this.#maxPayload = hello.policy?.maxPayload ?? 0
    const tick = hello.policy?.tickIntervalMs
    this.#heartbeatMs = typeof tick === 'number' && tick > 0 ? tick * 2.5 : 0
    this.#feedHeartbeat()
    Promise.resolve()
      .then(() => this.helloReceived(hello))
      .then(
        (now) => {
          if (generation !== this.#generation) return
          if (now) this.#sessionDone = true
          this.#maybeReady()
        },
        (err) => this.events.emit('error', err instanceof Error ? err : new Error(String(err))),
      )
  }

  #maybeReady(): void {
    if (!this.#helloDone || !this.#sessionDone || this.#connected || this.#closeReason) return
    this.#connected = true
    clearTimeout(this.#handshakeTimer)
    this.#transport.markHealthy()
    const first = !this.#everReady
    this.#everReady = true
    this.#setState(this.#gatewayDown ? (this.#misconfigured !== undefined ? 'misconfigured' : 'gateway-down') : 'open')
    if (this.#misconfigured !== undefined) this.#failWaitingSends()
    if (first) {
      this.#settleReady()
      this.#flush()
    } else {
      this.#recover()
      this.#resync(this.#pendingResync ?? 'reconnect')
    }
    this.#pendingResync = undefined
  }

  #onGateway(g: ClawChatGatewayPayload): void {
    if (g?.state === 'down') {
      this.#gatewayDown = true
      this.#misconfigured = undefined
      if (this.#connected) this.#setState('gateway-down')
    } else if (g?.state === 'misconfigured') {
      this.#gatewayDown = true
      this.#misconfigured = g.reason ?? ''
      if (!this.#connected) return
      this.#setState('misconfigured')
      this.#failWaitingSends()
    } else if (g?.state === 'up' && this.#gatewayDown) {
      this.#gatewayDown = false
      this.#misconfigured = undefined
      if (!this.#connected) return
      this.#setState('open')
      this.#recover()
      this.#resync('gateway-up')
    }
  }

  #onEnd(info: SocketEnd): void {
    clearTimeout(this.#handshakeTimer)
    clearTimeout(this.#heartbeatTimer)
    this.#heartbeatMs = 0
    this.#connected = this.#helloDone = this.#sessionDone = false
    this.#connectId = undefined
    if (info.action === 'stop') return this.#finish('logged-out')
    const inFlight = this.#tracker.all().filter((p) => p.sent)
    const oversized =
      info.action === 'reconnect-drop-oversized'
        ? inFlight.reduce<Pending | undefined>((a, p) => (!a || p.frame.length > a.frame.length ? p : a), undefined)
        : undefined
    for (const p of inFlight) {
      this.#tracker.unsent(p)
      if (p === oversized) this.#tooBig(p)
      else if (p.resend) this.#queue.requeue(p)
      else {
        this.#tracker.settle(
          p,
          new ClawChatRequestError(p.method, {
            code: 'UNAVAILABLE',
            message: `the connection was lost before ${p.method} was answered; it may or may not have run, retry it`,
            retryable: true,
          }),
        )
      }
    }
    if (info.action === 'reconnect-resync') this.#pendingResync = 'slow-consumer'
    this.#setState(this.#everReady ? 'reconnecting' : 'connecting')
    if (!info.healthy && this.checksSession && !CLOSE_CODE_TABLE.some((row) => row.code === info.code))
      void this.#checkSession()
  }

  async #checkSession(): Promise<void> {
    if (this.#checking || !this.o.fetch) return
    this.#checking = true
    const out = await loggedOut(this.o.fetch, this.o.url, this.o.reconnect.connectTimeoutMs)
    this.#checking = false
    if (out && !this.#connected) this.#finish('logged-out')
  }

  #feedHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer)
    if (this.#heartbeatMs)
      this.#heartbeatTimer = setTimeout(() => this.#transport.restart('no heartbeat'), this.#heartbeatMs)
  }

  #resync(reason: ResyncInfo['reason']): void {
    this.events.emit('resync', { reason })
  }

  #setState(state: ClawChatState): void {
    const previous = this.#state
    if (state === previous) return
    this.#state = state
    this.events.emit('state', this.#closeReason ? { state, previous, reason: this.#closeReason } : { state, previous })
  }

  #finish(reason: CloseReason): void {
    if (this.#closeReason) return
    this.#closeReason = reason
    this.#connected = false
    this.#transport.close(1000, reason)
    for (const t of [this.#handshakeTimer, this.#heartbeatTimer, this.#retryTimer]) clearTimeout(t)
    this.#detach()
    const error = new ClawChatClosedError(reason)
    this.#queue.drain()
    for (const p of this.#tracker.all()) this.#tracker.settle(p, error)
    this.#settleReady(error)
    this.#setState('closed')
  }

  #listenToPage(): void {
    const g = globalThis as { window?: EventTarget; document?: EventTarget & { visibilityState?: string } }
    const { window: win, document: doc } = g
    const online = () => this.#transport.retryNow()
    const visible = () => {
      if (doc?.visibilityState !== 'hidden') this.#transport.retryNow()
    }
    win?.addEventListener?.('online', online)
    doc?.addEventListener?.('visibilitychange', visible)
    this.#detach = () => {
      win?.removeEventListener?.('online', online)
      doc?.removeEventListener?.('visibilitychange', visible)
    }
  }
}
