/**
 * One browser socket, speaking OpenClaw's own frames (DESIGN.md "The wire"): the challenge, the
 * optional `connect` → sanitised `hello-ok` → `clawchat.session`, implicit connect for clients that
 * skip it, requests relayed through the policy to the link, `cancel` frames, the proxy's own ticks,
 * `seq` numbered per connection, and the gateway's state as `clawchat.gateway`.
 */
import { randomUUID } from 'node:crypto'
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
import type { Audit } from './audit.js'
import { invalidRequest, rateLimited, unavailable, type Redactor } from './errors.js'
import { UpstreamError } from './gateway-link.js'
import { buildHelloOk, buildSessionPayload } from './hello.js'
import type { ProxyLimits, RateMeter } from './limits.js'
import type { ProxyLog } from './log.js'
import { allowedMethods, effectiveScopes, planRequest, type MethodPolicy } from './policy.js'
import type { RoutableConnection } from './router.js'
import { isRecord, sanitizeGatewayError } from './sanitize.js'

/** What a connection needs of the upstream link. */
export interface LinkView {
  readonly isUp: boolean
  readonly downReason: string
  readonly gatewayVersion: string | undefined
  request(method: string, params: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>
}

/** Everything a connection shares with its proxy. */
export interface ConnectionDeps {
  link: LinkView
  methods: MethodPolicy
  namespace: string
  limits: ProxyLimits
  /** The user's rate meter, shared by all their connections. */
  userMeter: RateMeter
  connectionMeter: RateMeter
  startedAt: number
  audit: Audit
  log: ProxyLog
  redact: Redactor
  onClosed(conn: ClientConnection): void
}

type State = 'handshake' | 'ready' | 'closed'

const MAX_REQUEST_ID = 256
const FRAME_FIELDS = ['type', 'id', 'method', 'params', 'traceparent']
/** Close reasons are at most 123 bytes. */
const reason = (text: string): string => (Buffer.byteLength(text) <= 123 ? text : text.slice(0, 100))

/** One browser connection. */
export class ClientConnection implements RoutableConnection {
  readonly connId = randomUUID()
  readonly userId: string
  private state: State = 'handshake'
  private seq = 0
  private nextAutoId = 0
  private toldDown = false
  private tickTimer: NodeJS.Timeout | null = null
  private lifetimeTimer: NodeJS.Timeout | null = null
  private readonly inflight = new Map<string, AbortController>()
  private readonly methods: string[]

  constructor(
    private readonly ws: WebSocket,
    readonly user: ClawChatUser,
    readonly sessionId: string | undefined,
    readonly origin: string | undefined,
    private readonly deps: ConnectionDeps,
  ) {
    this.userId = user.id
    this.methods = allowedMethods(deps.methods, user.role)
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    ws.on('close', (code, why) => this.onSocketClosed(code, why.toString()))
    ws.on('error', (error) => deps.log.debug(`clawchat: browser socket error: ${error.message}`, { connId: this.connId }))
    if (deps.limits.maxLifetimeMs > 0) {
      this.lifetimeTimer = setTimeout(() => this.close(CloseCodes.MAX_LIFETIME, 'maximum connection lifetime reached; reconnect'), deps.limits.maxLifetimeMs)
      this.lifetimeTimer.unref?.()
    }
    this.sendFrame({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } })
  }

  /** True once `hello-ok` (or the implicit connect) has happened. */
  get isReady(): boolean {
    return this.state === 'ready'
  }

  /** Closes the socket with a close code of `@clawchat/protocol`. */
  close(code: number, why: string): void {
    if (this.state === 'closed') return
    this.ws.close(code, reason(why))
    this.shutdown()
    // A peer that never answers the close handshake must not keep the socket forever.
    setTimeout(() => this.ws.terminate(), 2000).unref?.()
  }

  /** Sends an event, numbering its `seq`; events before the handshake are dropped. */
  sendEvent(event: string, payload: unknown): void {
    if (this.state !== 'ready') return
    this.seq += 1
    this.sendFrame({ type: 'event', event, payload, seq: this.seq })
  }

  /** Tells the browser the gateway went away or came back (once per change). */
  gatewayChanged(up: boolean, why?: string): void {
    if (this.state !== 'ready') return
    if (!up && !this.toldDown) {
      this.toldDown = true
      this.sendEvent(CLAWCHAT_GATEWAY_EVENT, { state: 'down', reason: why ?? this.deps.link.downReason })
    } else if (up && this.toldDown) {
      this.toldDown = false
      this.sendEvent(CLAWCHAT_GATEWAY_EVENT, { state: 'up' })
    }
  }

  private sendFrame(frame: object): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    const text = this.deps.redact(JSON.stringify(frame))
    if (this.ws.bufferedAmount + Buffer.byteLength(text) > this.deps.limits.outboundHighWaterMark) {
      this.deps.log.warn('clawchat: closing a slow browser connection (outbound queue over its high-water mark)', { connId: this.connId, userId: this.userId })
      this.close(CloseCodes.SLOW_CONSUMER, 'slow consumer: reconnect and resync')
      return
    }
    this.ws.send(text)
  }

  private respond(id: string, payload: unknown): void {
    this.sendFrame({ type: 'res', id, ok: true, payload })
  }

  private respondError(id: string, error: ErrorShape): void {
    this.sendFrame({ type: 'res', id, ok: false, error })
  }

  private becomeReady(): void {
    this.state = 'ready'
    this.sendEvent(CLAWCHAT_SESSION_EVENT, buildSessionPayload(this.user, this.methods, this.deps.limits))
    if (!this.deps.link.isUp) this.gatewayChanged(false)
    this.tickTimer = setInterval(() => this.sendEvent('tick', { ts: Date.now() }), this.deps.limits.tickIntervalMs)
    this.tickTimer.unref?.()
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return
    if (isBinary) {
      this.close(CloseCodes.POLICY_VIOLATION, 'binary frames are not supported: send JSON text frames')
      return
    }
    let frame: unknown
    try {
      frame = JSON.parse(data.toString())
    } catch {
      this.respondError('invalid', invalidRequest('invalid frame: not JSON. Send a JSON object like {"type":"req","id":"1","method":"chat.send","params":{...}}'))
      return
    }
    if (!isRecord(frame)) {
      this.respondError('invalid', invalidRequest('invalid frame: expected a JSON object like {"type":"req","id":"1","method":"chat.send","params":{...}}'))
      return
    }
    const idIn = frame.id
    const shownId = typeof idIn === 'string' && idIn.length > 0 && idIn.length <= MAX_REQUEST_ID ? idIn : typeof idIn === 'number' ? String(idIn) : 'invalid'

    const waitMs = Math.max(this.deps.connectionMeter.take(), this.deps.userMeter.take())
    if (waitMs > 0) {
      if (frame.type !== 'cancel') this.respondError(shownId, rateLimited(`Too many messages; retry in ${waitMs} ms.`, waitMs))
      return
    }

    if (frame.type === 'cancel') {
      if (typeof idIn !== 'string') {
        this.respondError(shownId, invalidRequest('invalid cancel frame: id must be the id of a request in flight'))
        return
      }
      const controller = this.inflight.get(idIn)
      this.inflight.delete(idIn)
      controller?.abort()
      return
    }
    if (frame.type !== undefined && frame.type !== 'req') {
      this.respondError(shownId, invalidRequest(`invalid frame: unknown type ${JSON.stringify(String(frame.type).slice(0, 32))}; send "req" (or leave it out) or "cancel"`))
      return
    }
    for (const key of Object.keys(frame)) {
      if (!FRAME_FIELDS.includes(key)) {
        this.respondError(shownId, invalidRequest(`invalid request frame: unexpected property '${key.slice(0, 64)}'`))
        return
      }
    }
    let id: string
    if (idIn === undefined) {
      this.nextAutoId += 1
      id = `clawchat-${this.nextAutoId}`
    } else if (typeof idIn === 'string' && idIn.length > 0 && idIn.length <= MAX_REQUEST_ID) {
      id = idIn
    } else {
      this.respondError(shownId, invalidRequest(`invalid request frame: id must be a string of 1 to ${MAX_REQUEST_ID} characters (or left out)`))
      return
    }
    if (typeof frame.method !== 'string' || frame.method.length === 0) {
      this.respondError(id, invalidRequest('invalid request frame: method must be a non-empty string, e.g. "chat.send"'))
      return
    }
    if (this.inflight.has(id)) {
      this.respondError(id, invalidRequest(`invalid request frame: a request with id "${id.slice(0, 64)}" is still in flight; use a new id per request`))
      return
    }
    if (frame.method === 'connect') {
      this.handleConnect(id, frame.params)
      return
    }
    if (this.state === 'handshake') this.becomeReady()
    void this.handleRequest(id, frame.method, frame.params)
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
      this.respondError(id, invalidRequest(`invalid connect params: ${formatValidationErrors(validateConnectParams.errors)}`))
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

  private async handleRequest(id: string, method: string, params: unknown): Promise<void> {
    const started = Date.now()
    const ctx = { namespace: this.deps.namespace, userId: this.userId, role: this.user.role, newIdempotencyKey: () => randomUUID() }
    const planned = planRequest(this.deps.methods, method, params, ctx)
    if (!planned.ok) {
      if (planned.error.code === ErrorCodes.FORBIDDEN) {
        this.deps.audit.record({ event: 'request.denied', userId: this.userId, connId: this.connId, method: method.slice(0, 128), code: planned.error.code })
      }
      this.respondError(id, planned.error)
      return
    }
    const plan = planned.plan
    if (!this.deps.link.isUp) {
      this.respondError(id, unavailable(`${this.deps.link.downReason} Try again when the gateway is back (event clawchat.gateway {state:"up"}).`))
      this.deps.audit.record({ event: 'request', userId: this.userId, connId: this.connId, method, sessionKey: plan.sessionKey, ok: false, code: 'UNAVAILABLE', ms: 0 })
      return
    }
    const controller = new AbortController()
    this.inflight.set(id, controller)
    let code: string | undefined
    try {
      const payload = await plan.run((m, p) => this.deps.link.request(m, p, { signal: controller.signal }))
      if (this.inflight.get(id) !== controller) return // cancelled: the answer is dropped
      this.respond(id, payload)
    } catch (error) {
      if (this.inflight.get(id) !== controller) return
      const shape = error instanceof UpstreamError ? error.shape : { code: 'UNAVAILABLE', message: 'The request failed inside the proxy; try again.', retryable: true }
      const sanitized = sanitizeGatewayError({ namespace: this.deps.namespace, userId: this.userId }, shape)
      code = sanitized.code
      this.respondError(id, sanitized)
      if (!(error instanceof UpstreamError)) this.deps.log.error(`clawchat: ${method} failed inside the proxy: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
    } finally {
      if (this.inflight.get(id) === controller) this.inflight.delete(id)
      this.deps.audit.record({ event: 'request', userId: this.userId, connId: this.connId, method, sessionKey: plan.sessionKey, ok: code === undefined, code, ms: Date.now() - started })
    }
  }

  private shutdown(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    if (this.tickTimer) clearInterval(this.tickTimer)
    if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer)
    this.tickTimer = null
    this.lifetimeTimer = null
    for (const controller of this.inflight.values()) controller.abort()
    this.inflight.clear()
    this.deps.onClosed(this)
  }

  private onSocketClosed(code: number, why: string): void {
    this.shutdown()
    this.deps.audit.record({ event: 'connection.close', userId: this.userId, connId: this.connId, code, reason: why || undefined })
  }
}
