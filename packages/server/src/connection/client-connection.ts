/**
 * One browser socket, speaking OpenClaw's own frames (docs/ARCHITECTURE.md "The wire"): the challenge, the
 * optional `connect` → sanitised `hello-ok` → `clawchat.session`, implicit connect for clients that
 * skip it, requests relayed through the policy to the link, `cancel` frames, the proxy's own ticks,
 * `seq` numbered per connection, and the gateway's state as `clawchat.gateway` — with the limits
 * that keep one browser from costing anybody else anything: rate meters, the handshake timeout, the
 * outbound high-water mark (a slow consumer is closed with 1013, never waited for) and the lifetime.
 */
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { formatValidationErrors, validateConnectParams } from '@openclaw/gateway-protocol'
import type { RawData, WebSocket } from 'ws'
import {
  CLAWCHAT_GATEWAY_EVENT,
  CLAWCHAT_SESSION_EVENT,
  CloseCodes,
  ErrorCodes,
  PROTOCOL_VERSION,
  type ClawChatUser,
  type ErrorShape,
} from '@clawchat/protocol'
import type { Audit } from '../audit/audit.js'
import type { CommandPolicy } from '../isolation/commands.js'
import {
  closeReason,
  invalidRequest,
  misconfigured,
  rateLimited,
  unavailable,
  type Redactor,
} from '../shared/errors.js'
import { UpstreamError, type BrowserGatewayState } from '../upstream/gateway-link.js'
import { buildHelloOk, buildSessionPayload } from './hello.js'
import { parseInbound, type InboundFrame } from './inbox.js'
import { takeBoth, type ProxyLimits, type RateMeter, type RateVerdict, type UserBudget } from '../limits/limits.js'
import type { ProxyLog } from '../shared/log.js'
import { allowedMethods, effectiveScopes, planRequest, type MethodPolicy } from '../isolation/policy.js'
import type { RoutableConnection } from '../isolation/router.js'
import { chatSendKey, type ChatSendBudget } from '../limits/run-budget.js'
import { sanitizeGatewayError } from '../isolation/sanitize.js'
import { isRecord } from '../shared/records.js'
import type { SessionStoreLike } from '../gate/session-check.js'
import type { StreamRedactor } from '../isolation/stream-redactor.js'
import type { UpstreamBudget, UpstreamRefusal } from '../limits/upstream-budget.js'

/** What a connection needs of the upstream link. */
export interface LinkView {
  readonly isUp: boolean
  /** `up`, `down` or `misconfigured`, as browsers are told. */
  readonly browserState: BrowserGatewayState
  readonly downReason: string
  /** The refusal's details for administrators (never the token), when misconfigured. */
  readonly operatorReason?: string | undefined
  readonly gatewayVersion: string | undefined
  request(method: string, params: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>
}

/** Everything a connection shares with its proxy. */
export interface ConnectionDeps {
  link: LinkView
  methods: MethodPolicy
  /** Which gateway text commands each role may run (default: none). */
  commands?: CommandPolicy
  namespace: string
  limits: ProxyLimits
  /**
   * The user's message budget, shared by all their connections: a local meter, or (with
   * `coordination`) one that also asks Redis, asynchronously.
   */
  userMeter: UserBudget
  connectionMeter: RateMeter
  startedAt: number
  audit: Audit
  log: ProxyLog
  redact: Redactor
  /**
   * The bytes held toward the gateway, per user and in total (`limits.upstreamBytes*`): a request
   * is relayed only within them. The proxy always passes one; without it nothing is bounded.
   */
  upstream?: UpstreamBudget
  /** `limits.userChatSendsPer5Min`: each user's distinct `chat.send` keys in the gateway's dedupe window. */
  chatSends?: ChatSendBudget
  /** Redacts secrets that a history message's text parts only form together (issue 16.5). */
  streams?: StreamRedactor
  onClosed(conn: ClientConnection): void
}

/** Where a connection came from. */
export interface ConnectionOrigin {
  /** The app's session id the socket was opened with (`req.sessionID`). Never logged. */
  sessionId: string | undefined
  /** The store that session lives in, for the logout check. */
  sessionStore: SessionStoreLike | undefined
  /** The browser's Origin, when it sent one. */
  origin: string | undefined
  /** The browser's address, for the audit trail. */
  ip: string | undefined
  /**
   * The raw socket under `ws` (what `handleUpgrade` was given), corked for one event-loop turn so
   * that a turn's frames leave in one write; without it, `ws`'s own socket is used.
   */
  socket?: Duplex | undefined
}

type State = 'handshake' | 'ready' | 'closed'

/** A frame waiting for its turn; `verdict` is `undefined` until its user's budget answered. */
interface WaitingFrame {
  frame: InboundFrame
  id: string
  bytes: number
  verdict: RateVerdict | undefined
}

/** How long a closing socket may take to answer the close handshake before it is dropped. */
const CLOSE_GRACE_MS = 2000

/** How long a request refused for the upstream's sake should wait before it is retried. */
const UPSTREAM_RETRY_AFTER_MS = 1000

/** The answer to a request the upstream budget refused: the user's own share, or the proxy's. */
function upstreamRefusal(refused: UpstreamRefusal): ErrorShape {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`
  if (refused.scope === 'user') {
    return rateLimited(
      `Too much data on its way to the chat gateway for your account (${mib(refused.heldBytes)} of ${mib(refused.limitBytes)} not yet answered); retry in ${UPSTREAM_RETRY_AFTER_MS} ms.`,
      UPSTREAM_RETRY_AFTER_MS,
    )
  }
  return unavailable(
    'The chat gateway is not keeping up with what it is sent; try again shortly.',
    UPSTREAM_RETRY_AFTER_MS,
  )
}

/** One browser connection. */
export class ClientConnection implements RoutableConnection {
  readonly connId = randomUUID()
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: SessionStoreLike | undefined
  private state: State = 'handshake'
  private seq = 0
  private nextAutoId = 0
  /** What `clawchat.gateway` last told (`state|reason`); '' while the browser believes it is up. */
  private toldGateway = ''
  /** When the socket was accepted (ms since the epoch). */
  readonly openedAt = Date.now()
  private tickTimer: NodeJS.Timeout | null = null
  private lifetimeTimer: NodeJS.Timeout | null = null
  private handshakeTimer: NodeJS.Timeout | null = null
  private readonly inflight = new Map<string, AbortController>()
  private readonly methods: string[]
  private closing: { code: number; why: string } | null = null
  private frames = 0
  private invalidFrames = 0
  private socketClosed!: () => void
  /** Resolves once the socket is closed (and its audit line written). */
  readonly ended: Promise<void> = new Promise((resolve) => (this.socketClosed = resolve))
  private rateLimitedFrames = 0
  private limitedEpisode = false
  /**
   * Frames that passed the connection's meter while an earlier one waits for its user's budget
   * (asked of Redis): they are decided strictly in arrival order, so a `cancel` never overtakes its
   * request and `connect` always comes first.
   */
  private readonly waiting: WaitingFrame[] = []
  /** The raw socket whose writes are batched per event-loop turn (none: every frame is its own write). */
  private readonly raw: Duplex | undefined
  /** True while `raw` is corked for the current turn (an uncork is scheduled on `process.nextTick`). */
  private corked = false
  /** The outbound queue as it was when the current turn's batch began. */
  private turnBacklog = 0

  constructor(
    private readonly ws: WebSocket,
    readonly user: ClawChatUser,
    from: ConnectionOrigin,
    private readonly deps: ConnectionDeps,
  ) {
    this.userId = user.id
    this.sessionId = from.sessionId
    this.sessionStore = from.sessionStore
    this.methods = allowedMethods(deps.methods, user.role)
    const raw = from.socket ?? (ws as unknown as { _socket?: Duplex })._socket
    this.raw = raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? raw : undefined
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    ws.on('close', (code, why) => this.onSocketClosed(code, why.toString()))
    ws.on('error', (error) =>
      deps.log.debug(`clawchat: browser socket error: ${error.message}`, { connId: this.connId }),
    )
    const { maxLifetimeMs, handshakeTimeoutMs } = deps.limits
    if (maxLifetimeMs > 0) {
      this.lifetimeTimer = setTimeout(
        () => this.close(CloseCodes.MAX_LIFETIME, 'maximum connection lifetime reached; reconnect'),
        maxLifetimeMs,
      )
      this.lifetimeTimer.unref?.()
    }
    if (handshakeTimeoutMs > 0) {
      this.handshakeTimer = setTimeout(() => {
        if (this.state === 'handshake')
          this.close(CloseCodes.POLICY_VIOLATION, `no connect or request within ${handshakeTimeoutMs} ms`)
      }, handshakeTimeoutMs)
      this.handshakeTimer.unref?.()
    }
    this.deps.audit.record({
      event: 'connection.open',
      userId: this.userId,
      connId: this.connId,
      origin: from.origin,
      ip: from.ip,
    })
    this.sendFrame({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } })
  }

  /** True once `hello-ok` (or the implicit connect) has happened. */
  get isReady(): boolean {
    return this.state === 'ready'
  }

  /** Closes the socket with a close code of `@clawchat/protocol`. */
  close(code: number, why: string): void {
    if (this.state === 'closed') return
    this.closing = { code, why }
    this.flush() // the frames of this turn go first, and the close frame is not held back
    this.ws.close(code, closeReason(why))
    this.shutdown()
    // A peer that never answers the close handshake (or never reads it) must not keep the socket.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref?.()
  }

  /** Drops the socket without a close handshake (it stopped answering pings, or the proxy stops). */
  terminate(why: string): void {
    if (this.state !== 'closed') {
      this.closing = { code: 1006, why }
      this.shutdown()
    }
    this.flush()
    this.ws.terminate()
  }

  /** Sends an event, numbering its `seq`; events before the handshake are dropped. */
  sendEvent(event: string, payload: unknown): void {
    if (this.state !== 'ready') return
    this.seq += 1
    this.sendFrame({ type: 'event', event, payload, seq: this.seq })
  }

  /**
   * Tells the browser what became of the gateway (once per change): `down` (the proxy retries; the
   * SDK waits), `misconfigured` (a person must act; the SDK fails what waits) or `up` again. Users
   * get a plain sentence; admins also what the gateway said and what to do (never the token).
   */
  gatewayChanged(): void {
    if (this.state !== 'ready') return
    const link = this.deps.link
    const state = link.browserState
    const reason = state === 'up' ? undefined : this.gatewayReason()
    const told = state === 'misconfigured' ? `${state}|${reason ?? ''}` : state
    if (told === this.toldGateway || (state === 'up' && this.toldGateway === '')) return
    this.toldGateway = state === 'up' ? '' : told
    this.sendEvent(CLAWCHAT_GATEWAY_EVENT, reason === undefined ? { state } : { state, reason })
  }

  /** Why the gateway is not up, as this user may be told. */
  private gatewayReason(): string {
    const link = this.deps.link
    if (this.user.role === 'admin' && link.browserState === 'misconfigured' && link.operatorReason)
      return `${link.downReason} Administrator: ${link.operatorReason}.`
    return link.downReason
  }

  /**
   * Batches this turn's writes: the first frame of an event-loop turn corks the raw socket and an
   * uncork is scheduled on `process.nextTick`, so the turn's frames leave in one `writev` (cork is
   * counted: `ws`'s own cork/uncork per frame nest inside). Answers the outbound queue the
   * high-water mark is judged on: `bufferedAmount` when the queue was not empty as the turn began
   * (the browser is behind, and this turn's frames wait too), else 0 — this turn's frames are only
   * held by the cork, as if each had gone out on its own, like they did before batching.
   */
  private outboundBacklog(): number {
    const raw = this.raw
    if (!raw) return this.ws.bufferedAmount
    if (!this.corked) {
      this.turnBacklog = this.ws.bufferedAmount
      this.corked = true
      raw.cork()
      process.nextTick(this.flush)
    }
    return this.turnBacklog > 0 ? this.ws.bufferedAmount : 0
  }

  /** Ends this turn's batch: the corked frames are written (one `writev`). */
  private readonly flush = (): void => {
    if (!this.corked) return
    this.corked = false
    this.raw?.uncork()
  }

  private sendFrame(frame: object): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    const bytes = Buffer.from(this.deps.redact(JSON.stringify(frame)))
    // A frame always goes onto an empty queue; past the high-water mark the browser is not reading
    // fast enough, and waiting for it would cost memory (and, upstream, everybody): close it.
    const buffered = this.outboundBacklog()
    if (buffered > 0 && buffered + bytes.length > this.deps.limits.outboundHighWaterMark) {
      this.deps.log.warn('clawchat: closing a slow browser connection (outbound queue over its high-water mark)', {
        connId: this.connId,
        userId: this.userId,
        bufferedBytes: buffered,
      })
      this.close(CloseCodes.SLOW_CONSUMER, 'slow consumer: reconnect and resync')
      return
    }
    this.ws.send(bytes, { binary: false })
  }

  private respond(id: string, payload: unknown): void {
    this.sendFrame({ type: 'res', id, ok: true, payload })
  }

  private respondError(id: string, error: ErrorShape): void {
    this.sendFrame({ type: 'res', id, ok: false, error })
  }

  private becomeReady(): void {
    this.state = 'ready'
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer)
    this.handshakeTimer = null
    this.sendEvent(CLAWCHAT_SESSION_EVENT, buildSessionPayload(this.user, this.methods, this.deps.limits))
    if (!this.deps.link.isUp) this.gatewayChanged()
    this.tickTimer = setInterval(() => this.sendEvent('tick', { ts: Date.now() }), this.deps.limits.tickIntervalMs)
    this.tickTimer.unref?.()
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Frames that arrive after the proxy closed the socket: the close code already said it all.
    if (this.state === 'closed') return
    try {
      this.readFrame(data, isBinary)
    } catch (error) {
      this.failed(error)
    }
  }

  /** A bug must cost this connection, never the process. */
  private failed(error: unknown): void {
    this.deps.log.error(
      `clawchat: a browser frame could not be handled: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      { connId: this.connId },
    )
    this.close(1011, 'internal error')
  }

  private readFrame(data: RawData, isBinary: boolean): void {
    this.frames += 1
    if (isBinary) {
      this.invalidFrames += 1
      this.close(CloseCodes.POLICY_VIOLATION, 'binary frames are not supported: send JSON text frames')
      return
    }
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
    const bytes = buffer.length
    const frame = parseInbound(buffer.toString('utf8'))
    let id = frame.shownId
    if (frame.kind === 'request') {
      if (frame.id === undefined) {
        this.nextAutoId += 1
        id = `clawchat-${this.nextAutoId}`
      } else id = frame.id
    }

    const verdict = takeBoth(this.deps.connectionMeter, this.deps.userMeter)
    if (verdict !== null && !(verdict instanceof Promise) && verdict.scope === 'connection') {
      // Over this connection's own limit: answered at once, whatever waits before it.
      this.refuse(frame, id, verdict)
      return
    }
    if (!(verdict instanceof Promise) && this.waiting.length === 0) {
      this.decide(frame, id, bytes, verdict)
      return
    }
    const entry: WaitingFrame = { frame, id, bytes, verdict: verdict instanceof Promise ? undefined : verdict }
    this.waiting.push(entry)
    if (verdict instanceof Promise) {
      verdict
        .catch(() => null)
        .then((settled) => {
          entry.verdict = settled
          this.decideWaiting()
        })
    }
  }

  /** Decides the waiting frames whose turn has come (in arrival order). */
  private decideWaiting(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.verdict !== undefined) {
      const next = this.waiting.shift()!
      if (this.state === 'closed') continue
      try {
        this.decide(next.frame, next.id, next.bytes, next.verdict ?? null)
      } catch (error) {
        this.failed(error)
      }
    }
  }

  private refuse(frame: InboundFrame, id: string, limited: NonNullable<RateVerdict>): void {
    this.rateLimitedFrames += 1
    if (!this.limitedEpisode) {
      this.limitedEpisode = true
      this.deps.audit.record({
        event: 'rate.limited',
        userId: this.userId,
        connId: this.connId,
        scope: limited.scope,
        retryAfterMs: limited.retryAfterMs,
      })
    }
    const which = limited.scope === 'user' ? 'for your account (all your connections together)' : 'on this connection'
    if (frame.kind !== 'cancel')
      this.respondError(
        id,
        rateLimited(`Too many messages ${which}; retry in ${limited.retryAfterMs} ms.`, limited.retryAfterMs),
      )
  }

  /** Handles a frame once the rate limits have spoken. */
  private decide(frame: InboundFrame, id: string, bytes: number, limited: RateVerdict): void {
    if (limited) {
      this.refuse(frame, id, limited)
      return
    }
    this.limitedEpisode = false

    switch (frame.kind) {
      case 'invalid':
        this.invalidFrames += 1
        this.respondError(frame.shownId, frame.error)
        return
      case 'cancel': {
        const controller = this.inflight.get(frame.id)
        this.inflight.delete(frame.id)
        controller?.abort()
        return
      }
      case 'request':
        if (this.inflight.has(id)) {
          this.respondError(
            id,
            invalidRequest(
              `invalid request frame: a request with id "${id.slice(0, 64)}" is still in flight; use a new id per request`,
            ),
          )
          return
        }
        if (frame.method === 'connect') {
          this.handleConnect(id, frame.params)
          return
        }
        if (this.state === 'handshake') this.becomeReady()
        void this.handleRequest(id, frame.method, frame.params, bytes)
    }
  }

  private handleConnect(id: string, params: unknown): void {
    if (this.state === 'ready') {
      this.respondError(id, invalidRequest('already connected: send connect once, as the first request'))
      return
    }
    if (!isRecord(params)) {
      this.respondError(id, invalidRequest('invalid connect params: params must be an object'))
      this.close(CloseCodes.POLICY_VIOLATION, 'invalid connect params')
      return
    }
    // The proxy decides who the browser is: whatever it claims about auth, device, role or
    // scopes is dropped before validation.
    const { auth: _auth, device: _device, role: _role, scopes: _scopes, ...rest } = params
    if (!validateConnectParams(rest)) {
      this.respondError(
        id,
        invalidRequest(`invalid connect params: ${formatValidationErrors(validateConnectParams.errors)}`),
      )
      this.close(CloseCodes.POLICY_VIOLATION, 'invalid connect params')
      return
    }
    const { minProtocol, maxProtocol } = rest as { minProtocol: number; maxProtocol: number }
    if (minProtocol > PROTOCOL_VERSION || maxProtocol < PROTOCOL_VERSION) {
      this.respondError(id, {
        code: ErrorCodes.INVALID_REQUEST,
        message: `protocol mismatch: this proxy speaks OpenClaw protocol ${PROTOCOL_VERSION}`,
        details: { code: 'PROTOCOL_MISMATCH', expectedProtocol: PROTOCOL_VERSION },
      })
      this.close(1002, 'protocol mismatch')
      return
    }
    this.respond(
      id,
      buildHelloOk({
        gatewayVersion: this.deps.link.gatewayVersion,
        connId: this.connId,
        methods: this.methods,
        scopes: effectiveScopes(this.user.role),
        uptimeMs: Date.now() - this.deps.startedAt,
        limits: this.deps.limits,
      }),
    )
    this.becomeReady()
  }

  private async handleRequest(id: string, method: string, params: unknown, bytes: number): Promise<void> {
    const started = Date.now()
    const ctx = {
      namespace: this.deps.namespace,
      userId: this.userId,
      role: this.user.role,
      commands: this.deps.commands?.[this.user.role] ?? [],
      limits: this.deps.limits,
      newIdempotencyKey: () => randomUUID(),
    }
    const audited = { event: 'request' as const, userId: this.userId, connId: this.connId, id, method, bytes }
    const body = this.deps.audit.bodies && params !== undefined ? { params } : {}
    const planned = planRequest(this.deps.methods, method, params, ctx)
    if (!planned.ok) {
      if (planned.error.code === ErrorCodes.FORBIDDEN) {
        this.deps.audit.record({
          event: 'request.denied',
          userId: this.userId,
          connId: this.connId,
          id,
          method,
          code: planned.error.code,
          bytes,
        })
      } else {
        this.deps.audit.record({ ...audited, ...body, outcome: 'error', code: planned.error.code, ms: 0 })
      }
      this.respondError(id, planned.error)
      return
    }
    const plan = planned.plan
    /** Answers a planned request with `error` at once (nothing went upstream), and audits it. */
    const refuse = (error: ErrorShape): void => {
      this.respondError(id, error)
      this.deps.audit.record({
        ...audited,
        sessionKey: plan.sessionKey,
        ...body,
        outcome: 'error',
        code: error.code,
        ms: 0,
      })
    }
    if (!this.deps.link.isUp) {
      refuse(
        this.deps.link.browserState === 'misconfigured'
          ? misconfigured(`${this.gatewayReason()} Retrying will not help until it is fixed.`)
          : unavailable(
              `${this.deps.link.downReason} Try again when the gateway is back (event clawchat.gateway {state:"up"}).`,
            ),
      )
      return
    }
    const sendsWait = method === 'chat.send' ? (this.deps.chatSends?.take(this.userId, chatSendKey(params)) ?? 0) : 0
    if (sendsWait > 0) {
      refuse(
        rateLimited(
          `Too many messages: at most ${this.deps.limits.userChatSendsPer5Min} in 5 minutes; retry in ${Math.ceil(sendsWait / 1000)} s.`,
          sendsWait,
        ),
      )
      return
    }
    const held = this.deps.upstream?.reserve(this.userId, bytes) ?? (() => {})
    if (typeof held !== 'function') {
      // Never queued: the gateway is not taking what it was already sent (issue 16.4).
      refuse(upstreamRefusal(held))
      return
    }
    const controller = new AbortController()
    this.inflight.set(id, controller)
    let outcome: 'ok' | 'error' | 'cancelled' = 'ok'
    let code: string | undefined
    try {
      const payload = await plan.run((m, p) => this.deps.link.request(m, p, { signal: controller.signal }))
      if (this.inflight.get(id) !== controller) {
        outcome = 'cancelled' // the answer is dropped
        return
      }
      this.respond(id, this.deps.streams ? this.redactAnswer(this.deps.streams, method, payload) : payload)
    } catch (error) {
      if (this.inflight.get(id) !== controller) {
        outcome = 'cancelled'
        return
      }
      const shape =
        error instanceof UpstreamError
          ? error.shape
          : { code: 'UNAVAILABLE', message: 'The request failed inside the proxy; try again.', retryable: true }
      const sanitized = sanitizeGatewayError({ namespace: this.deps.namespace, userId: this.userId }, shape)
      outcome = 'error'
      code = sanitized.code
      this.respondError(id, sanitized)
      if (!(error instanceof UpstreamError))
        this.deps.log.error(
          `clawchat: ${method} failed inside the proxy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        )
    } finally {
      held()
      if (this.inflight.get(id) === controller) this.inflight.delete(id)
      this.deps.audit.record({
        ...audited,
        sessionKey: plan.sessionKey,
        ...body,
        outcome,
        code,
        ms: Date.now() - started,
      })
    }
  }

  /** What only the joined text parts of a history message, or a cut text or preview, would show of a secret. */
  private redactAnswer(streams: StreamRedactor, method: string, payload: unknown): unknown {
    if (method === 'chat.history') return streams.history(payload)
    if (method === 'sessions.list') return streams.sessionsList(payload)
    return payload
  }

  private shutdown(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    for (const timer of [this.tickTimer, this.lifetimeTimer, this.handshakeTimer]) if (timer) clearTimeout(timer)
    this.tickTimer = null
    this.lifetimeTimer = null
    this.handshakeTimer = null
    for (const controller of this.inflight.values()) controller.abort()
    this.inflight.clear()
    this.waiting.length = 0
    this.deps.onClosed(this)
  }

  private onSocketClosed(code: number, why: string): void {
    this.shutdown()
    this.deps.audit.record({
      event: 'connection.close',
      userId: this.userId,
      connId: this.connId,
      code: this.closing?.code ?? code,
      reason: (this.closing?.why ?? why) || undefined,
      by: this.closing ? 'server' : 'client',
      ms: Date.now() - this.openedAt,
      frames: this.frames,
      invalidFrames: this.invalidFrames,
      rateLimited: this.rateLimitedFrames,
    })
    this.socketClosed()
  }
}
