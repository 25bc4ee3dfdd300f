import {
  CLAWCHAT_GATEWAY_EVENT,
  CLAWCHAT_RUN_EVENT,
  CLAWCHAT_SESSION_EVENT,
  CLOSE_CODE_TABLE,
  DEFAULT_SESSION_KEY,
  encodeFrame,
  parseLeanDelta,
  parseServerFrame,
  type ClawChatGatewayPayload,
  type ClawChatSessionPayload,
  type EventFrame,
  type ResponseFrame,
} from '@clawchat/protocol'
import { Alarm, systemClock, type Clock } from './clock.js'
import { newLink, publicState, type ConnectionState, type Handshaking } from './connection-state.js'
import { ClawChatClosedError, ClawChatRequestError, type CloseReason } from './errors.js'
import { Emitter, type ClawChatState, type ResyncInfo } from './events.js'
import { LeanDecoder, leanHost } from './lean-decoder.js'
import { identityOfSession } from './handshake.js'
import type { Challenge, HandshakeStrategy, HelloPayload, Identity } from './handshake.js'
import type { ResolvedOptions } from './options.js'
import { onPageWake } from './page-events.js'
import { ReconnectManager, type SocketEnd } from './reconnect-manager.js'
import { RequestManager } from './request-manager.js'
import { loggedOut } from './session-check.js'

/** The id of the `connect` request (one per socket, so one id does). */
const CONNECT_ID = 'connect'
const toError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)))

/**
 * One ClawChat connection: the {@link ReconnectManager} underneath, the handshake of its
 * {@link HandshakeStrategy} on every socket, the {@link RequestManager} on top, and one
 * {@link ConnectionState} that says where it is. `ClawChat` is a thin facade over it.
 *
 * @example
 * const conn = new Connection(resolveOptions({ url, WebSocket }), proxyHandshake())
 * await conn.ready
 * await conn.requests.call('sessions.list', {}, {}, PLAIN)
 */
export class Connection {
  readonly events = new Emitter()
  readonly requests: RequestManager
  /** Resolves at the first ready connection; rejects with {@link ClawChatClosedError} when closed before. */
  readonly ready: Promise<void>
  #state: ConnectionState = { phase: 'connecting', resync: undefined }
  /** The state the page was last told (`state` event). */
  #shown: ClawChatState = 'connecting'
  #identity: Identity = { sessionKey: DEFAULT_SESSION_KEY, methods: [] }
  #settleReady!: (error?: Error) => void
  #sessionCheck: Promise<void> | undefined
  readonly #socket: ReconnectManager
  readonly #lean: LeanDecoder
  readonly #handshakeDeadline: Alarm
  readonly #heartbeat: Alarm
  readonly #detachPage: () => void

  constructor(
    private readonly o: ResolvedOptions,
    private readonly handshake: HandshakeStrategy,
    clock: Clock = systemClock,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve())
    })
    this.ready.catch(() => {})
    this.#handshakeDeadline = new Alarm(clock)
    this.#heartbeat = new Alarm(clock)
    const user = () => this.#identity.user?.id
    this.requests = new RequestManager({ state: () => this.#state, send: (f) => this.#socket.send(f), user }, o, clock)
    this.#lean = new LeanDecoder(leanHost(this.events, this.requests))
    this.#socket = new ReconnectManager(
      o.url,
      o.WebSocket,
      o.reconnect,
      { open: () => this.#onOpen(), message: (data) => this.#onMessage(data), end: (info) => this.#onEnd(info) },
      clock,
    )
    this.#detachPage = onPageWake(() => this.#socket.retryNow())
  }

  /** Where the connection is. */
  get state(): ConnectionState {
    return this.#state
  }

  /** The state the page sees (`chat.state`). */
  get shownState(): ClawChatState {
    return this.#shown
  }

  /** Who is connected (after the first ready connection). */
  get identity(): Identity {
    return this.#identity
  }

  /** The session key to send for `key` (the default session when `undefined`); throws when it is not valid. */
  sessionKeyFor(key: string | undefined): string {
    return this.handshake.sessionKeyFor(key, this.#identity.sessionKey)
  }

  /** Closes for good with `reason`: no reconnect, every request rejects with {@link ClawChatClosedError}. */
  close(reason: CloseReason): void {
    if (this.#state.phase === 'closed') return
    this.#state = { phase: 'closed', reason }
    this.#socket.close(1000, reason)
    this.#handshakeDeadline.clear()
    this.#heartbeat.clear()
    this.#detachPage()
    const error = new ClawChatClosedError(reason)
    this.requests.closeAll(error)
    this.#settleReady(error)
    this.#show()
  }

  #onOpen(): void {
    const s = this.#state
    if (s.phase !== 'connecting') return
    this.#state = { phase: 'handshaking', resync: s.resync, link: newLink(), step: 'challenge', identified: false }
    this.#lean.connected()
    this.#handshakeDeadline.set(this.o.reconnect.connectTimeoutMs, () => this.#socket.restart('handshake timeout'))
  }

  #onMessage(data: string): void {
    this.#feedHeartbeat()
    // A JSON array is a compact lean delta (`@clawchat/protocol` lean.ts); every other frame an object.
    const read = data.startsWith('[') ? parseLeanDelta(data) : parseServerFrame(data)
    if (!read.ok) {
      // The codec's first sentence says what was wrong; the rest is advice for whoever writes frames.
      const what = read.message.split('. ')[0]
      this.events.emit('error', new Error(`ClawChat: ignored a frame from the server, ${what}: ${data.slice(0, 80)}`))
      return
    }
    if ('delta' in read) {
      this.#trackSeq(read.delta.seq)
      this.#lean.delta(read.delta)
    } else if (read.frame.type === 'event') this.#onEvent(read.frame)
    else this.#onResponse(read.frame)
  }

  #onEvent({ event: name, payload, seq }: EventFrame): void {
    if (typeof seq === 'number') this.#trackSeq(seq)
    // `chat` (and the lean wire's run heads) go to the page through the lean decoder, as OpenClaw's `chat` events.
    if (name === 'chat' || name === CLAWCHAT_RUN_EVENT) return this.#lean.event(name, payload)
    if (name === 'connect.challenge') void this.#sendConnect((payload ?? {}) as Challenge)
    else if (name === CLAWCHAT_SESSION_EVENT) this.#onSession(payload as ClawChatSessionPayload)
    else if (name === CLAWCHAT_GATEWAY_EVENT) this.#onGateway(payload as ClawChatGatewayPayload)
    this.events.emit(name, payload)
  }

  /** A skipped `seq` means missed events: `resync` (`gap`). */
  #trackSeq(seq: number): void {
    const s = this.#state
    if (s.phase !== 'handshaking' && s.phase !== 'ready') return
    if (s.phase === 'ready' && s.link.lastSeq !== undefined && seq > s.link.lastSeq + 1) this.#resync('gap', seq)
    s.link.lastSeq = seq
  }

  async #sendConnect(challenge: Challenge): Promise<void> {
    const s = this.#state
    if (s.phase !== 'handshaking' || s.step !== 'challenge') return
    s.step = 'connect'
    let params: unknown
    try {
      params = await this.handshake.connectParams(challenge)
    } catch (err) {
      this.events.emit('error', toError(err))
      if (this.#state === s) this.#socket.restart('connect failed')
      return
    }
    if (this.#state === s && s.step === 'connect')
      this.#socket.send(encodeFrame({ type: 'req', id: CONNECT_ID, method: 'connect', params }))
  }

  #onResponse(frame: ResponseFrame): void {
    const s = this.#state
    if (frame.id !== CONNECT_ID || s.phase !== 'handshaking' || s.step !== 'connect')
      return this.requests.onResponse(frame)
    if (frame.ok) return this.#onHello(s, (frame.payload ?? {}) as HelloPayload)
    s.step = 'challenge'
    const error = frame.error ?? {}
    this.events.emit('error', new ClawChatRequestError('connect', error))
    if (this.handshake.connectRefused(error)) this.close('auth-failed')
  }

  #onHello(s: Handshaking, hello: HelloPayload): void {
    const { link } = s
    s.step = 'hello'
    link.maxPayload = hello.policy?.maxPayload ?? 0
    const tick = hello.policy?.tickIntervalMs
    link.heartbeatMs = typeof tick === 'number' && tick > 0 ? tick * 2.5 : 0
    this.#feedHeartbeat()
    Promise.resolve()
      .then(() => this.handshake.helloReceived(hello))
      .then(
        (identity) => {
          if (this.#state !== s) return
          if (identity) {
            this.#identity = identity
            s.identified = true
          }
          this.#maybeReady()
        },
        (err) => this.events.emit('error', toError(err)),
      )
  }

  #onSession(session: ClawChatSessionPayload): void {
    this.#identity = identityOfSession(session)
    if (this.#state.phase === 'handshaking') this.#state.identified = true
    this.events.emit('session', session)
    this.#maybeReady()
  }

  #maybeReady(): void {
    const s = this.#state
    if (s.phase !== 'handshaking' || s.step !== 'hello' || !s.identified) return
    this.#handshakeDeadline.clear()
    this.#state = { phase: 'ready', link: s.link }
    this.#socket.markHealthy()
    this.#show()
    if (s.link.gateway.kind === 'misconfigured') this.requests.failWaitingSends()
    if (s.resync === undefined) {
      this.#settleReady()
      this.requests.start(this.#identity.user?.id)
    } else {
      this.requests.recover()
      this.#resync(s.resync)
    }
  }

  #onGateway(g: ClawChatGatewayPayload | undefined): void {
    const s = this.#state
    if (s.phase !== 'handshaking' && s.phase !== 'ready') return
    const { link } = s
    if (g?.state === 'down') {
      link.gateway = { kind: 'down' }
      this.#show()
    } else if (g?.state === 'misconfigured') {
      link.gateway = { kind: 'misconfigured', reason: g.reason ?? '' }
      if (s.phase !== 'ready') return
      this.#show()
      this.requests.failWaitingSends()
    } else if (g?.state === 'up' && link.gateway.kind !== 'up') {
      link.gateway = { kind: 'up' }
      if (s.phase !== 'ready') return
      this.#show()
      this.requests.recover()
      this.#resync('gateway-up')
    }
  }

  #onEnd(info: SocketEnd): void {
    this.#handshakeDeadline.clear()
    this.#heartbeat.clear()
    const s = this.#state
    if (s.phase === 'closed') return
    if (info.action === 'stop') return this.close('logged-out')
    const owed = s.phase === 'ready' ? 'reconnect' : s.resync
    this.#state = { phase: 'connecting', resync: info.action === 'reconnect-resync' && owed ? 'slow-consumer' : owed }
    this.requests.socketLost(info.action)
    this.#show()
    if (!info.healthy && this.handshake.checksSession && !CLOSE_CODE_TABLE.some((row) => row.code === info.code))
      this.#checkSession()
  }

  /** A failed reconnect with a code of no meaning (a refused upgrade looks like 1006): is the user logged out? */
  #checkSession(): void {
    const fetch = this.o.fetch
    if (this.#sessionCheck || !fetch) return
    this.#sessionCheck = loggedOut(fetch, this.o.url, this.o.reconnect.connectTimeoutMs).then((out) => {
      this.#sessionCheck = undefined
      if (out && this.#state.phase !== 'ready') this.close('logged-out')
    })
  }

  #feedHeartbeat(): void {
    const s = this.#state
    const ms = s.phase === 'handshaking' || s.phase === 'ready' ? s.link.heartbeatMs : 0
    if (ms) this.#heartbeat.set(ms, () => this.#socket.restart('no heartbeat'))
    else this.#heartbeat.clear()
  }

  /** Tells the page to resync; a gap (at `seq`) also makes the lean decoder's runs unsure. */
  #resync(reason: ResyncInfo['reason'], seq?: number): void {
    if (seq !== undefined) this.#lean.gap(seq)
    this.events.emit('resync', { reason })
  }

  /** Tells the page the state it sees now, when that changed. */
  #show(): void {
    const previous = this.#shown
    const state = publicState(this.#state)
    if (state === previous) return
    this.#shown = state
    const s = this.#state
    this.events.emit('state', s.phase === 'closed' ? { state, previous, reason: s.reason } : { state, previous })
  }
}
