/**
 * The ONE upstream link of a proxy to its gateway, on `@openclaw/gateway-client`.
 *
 * The link owns the reconnect policy: one `GatewayClient` per connection attempt (its own backoff
 * is fixed at 1 s → 30 s without jitter and `stop()` is final), stopped as soon as its socket
 * closes (or the gateway announces `shutdown`), and a fresh one after a short jittered delay:
 * 50–150 ms after losing a live link, then 100 ms doubling to a cap of 500 ms (each delay jittered to
 * 50–100 % of its step). So while the gateway is down the link tries about twice a second, and once
 * it accepts again the link is back after at most one sleep (≤ 500 ms) plus one handshake — within
 * the 2 s the proxy promises. Nothing is sent before `onHelloOk`; then the link subscribes once to
 * `sessions.subscribe` (the router filters what it brings).
 */
import { EventEmitter } from 'node:events'
import { GatewayClient, type GatewayClientOptions } from '@openclaw/gateway-client'
import { PROTOCOL_VERSION, type EventFrame } from '@clawchat/protocol'
import { createRedactor, messageOf, type SecretRedactor } from '../shared/errors.js'
import type { DeviceIdentity } from './device-identity.js'
import {
  loadOrCreateDeviceIdentity,
  privateKeySecrets,
  publicKeyRawBase64UrlFromPem,
  signDevicePayload,
} from './device-identity.js'
import type { ProxyLog } from '../shared/log.js'
import { CLAWCHAT_VERSION } from '../version.js'
import { UpstreamError } from './upstream-error.js'

export { UpstreamError } from './upstream-error.js'

/**
 * Where the link stands: `misconfigured` when the gateway refused it for a reason that needs a
 * person (a wrong token, a device not yet approved, a protocol mismatch) — it keeps retrying slowly;
 * `failed` when no retry can help until the proxy is restarted with a fixed option.
 */
export type LinkState = 'connecting' | 'up' | 'down' | 'misconfigured' | 'failed' | 'closed'

/** What browsers are told of the link: `misconfigured` covers both `misconfigured` and `failed`. */
export type BrowserGatewayState = 'up' | 'down' | 'misconfigured'

/** The scopes the link asks for, explicitly (see docs/ARCHITECTURE.md: abort across reconnects, sessions.reset). */
export const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin'] as const

/** The part of `GatewayClient` the link uses (a seam for tests). */
export interface GatewayClientLike {
  start(): void
  stop(): void
  stopAndWait(opts?: { timeoutMs?: number }): Promise<void>
  request<T = unknown>(
    method: string,
    params?: unknown,
    opts?: { timeoutMs?: number | null; signal?: AbortSignal },
  ): Promise<T>
}

/** Options of {@link GatewayLink}. */
export interface GatewayLinkOptions {
  url: string
  token: string
  identityPath: string
  requestTimeoutMs: number
  log: ProxyLog
  /**
   * The redactor of logs and audit lines: it already knows the token, and the link adds the device
   * key's forms once it has loaded it. Default: one of its own.
   */
  redact?: SecretRedactor
  /** First retry delay, ms (default 100); doubles up to `maxDelayMs` (default 500), jittered. */
  initialDelayMs?: number
  maxDelayMs?: number
  /**
   * First delay after a refusal that needs a person (token, pairing, protocol), ms (default 5000);
   * it doubles with each refusal in a row up to `maxAuthRetryDelayMs` (default 30000), so an
   * operator's `openclaw devices approve` is picked up within half a minute without a restart.
   */
  authRetryDelayMs?: number
  maxAuthRetryDelayMs?: number
  /** An attempt that neither succeeds nor fails within this time is abandoned, ms (default 20000). */
  attemptTimeoutMs?: number
  /** Makes the client for one attempt (default: a real `GatewayClient`). */
  createClient?: (options: GatewayClientOptions) => GatewayClientLike
}

type Failure = 'unreachable' | 'auth' | 'pairing' | 'protocol' | 'config' | 'starting' | 'other'

/** Refusals no retry fixes by itself: a person must act (browsers hear `misconfigured`). */
const NEEDS_A_PERSON: ReadonlySet<Failure> = new Set(['auth', 'pairing', 'protocol', 'config'])

/** Sentences for people, per failure (sent to browsers in `clawchat.gateway`; no host, no token). */
const REASONS: Record<Failure | 'closed' | 'restarting', string> = {
  unreachable: 'The chat gateway cannot be reached; reconnecting.',
  auth: 'The chat gateway refused this server; an administrator must fix its configuration.',
  pairing: "The chat gateway has not approved this server yet; waiting for its owner's approval.",
  protocol:
    'The chat gateway speaks another protocol version than this server; an administrator must update one of them.',
  config: 'This server is misconfigured for the chat gateway; an administrator must fix it.',
  starting: 'The chat gateway is starting; reconnecting.',
  other: 'The connection to the chat gateway failed; reconnecting.',
  closed: 'The connection to the chat gateway was lost; reconnecting.',
  restarting: 'The chat gateway is restarting; reconnecting.',
}

function errorDetails(error: unknown): {
  code?: string
  gatewayCode?: string
  detailCode?: string
  requestId?: string
  message: string
} {
  const e = error as { code?: unknown; gatewayCode?: unknown; details?: unknown }
  const details = (typeof e?.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>
  const message = messageOf(error)
  const fromMessage = /\(requestId:\s*([^\s)]+)\)/i.exec(message)?.[1]
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    gatewayCode: typeof e?.gatewayCode === 'string' ? e.gatewayCode : undefined,
    detailCode: typeof details.code === 'string' ? details.code : undefined,
    requestId: typeof details.requestId === 'string' ? details.requestId : fromMessage,
    message,
  }
}

/**
 * The upstream link. Emits `up` (after each `hello-ok`), `down` (with a reason for people),
 * `event` (each gateway event) and `state`.
 *
 * @example
 * const link = new GatewayLink({ url, token, identityPath, requestTimeoutMs: 30000, log })
 * link.on('event', (frame) => router.route(frame))
 * link.start()
 */
export class GatewayLink extends EventEmitter {
  state: LinkState = 'connecting'
  /** The gateway's version, from its last `hello-ok`. */
  gatewayVersion: string | undefined
  /** Why the link is down, for people (any user may read it: no detail that helps an attacker). */
  downReason: string = REASONS.starting
  /**
   * Why the link is refused, for administrators, when it is `misconfigured` or `failed`: what the
   * gateway said and what to do (the option to fix, the approval command) — never the token.
   */
  operatorReason: string | undefined

  private client: GatewayClientLike | null = null
  private attempt = 0
  private failures = 0
  private lastFailure: Failure = 'unreachable'
  private retryTimer: NodeJS.Timeout | null = null
  private attemptTimer: NodeJS.Timeout | null = null
  private identity: DeviceIdentity | null = null
  private readonly deviceTokens = new Map<string, { token: string; scopes: string[] }>()
  private readonly redact: SecretRedactor
  private loggedOutage = false
  /** What `down` last told (`state|reason`), so a change of reason mid-outage is told once. */
  private announced = ''
  private lastError = ''
  private started = false

  constructor(private readonly opts: GatewayLinkOptions) {
    super()
    this.redact = opts.redact ?? createRedactor([opts.token])
    this.redact.add(opts.token)
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.started || this.state === 'closed') return
    this.started = true
    this.schedule(0)
  }

  /** True when requests can be relayed. */
  get isUp(): boolean {
    return this.state === 'up' && this.client !== null
  }

  /** What browsers are told: `up`, `down` (retrying, nothing to do) or `misconfigured` (a person must act). */
  get browserState(): BrowserGatewayState {
    if (this.isUp) return 'up'
    return this.state === 'misconfigured' || this.state === 'failed' ? 'misconfigured' : 'down'
  }

  /**
   * Bytes written to the link but not yet taken by its socket (`ws`'s `bufferedAmount`): what a
   * gateway that reads slowly leaves in the proxy's memory. `GatewayClient` keeps its socket in an
   * undeclared field `ws`; 0 when there is none (or a later client renames it — the backpressure
   * test notices).
   */
  get queuedBytes(): number {
    const socket = (this.client as { ws?: { bufferedAmount?: unknown } | null } | null)?.ws
    const queued = socket?.bufferedAmount
    return typeof queued === 'number' ? queued : 0
  }

  /**
   * Relays one request. Rejects with an {@link UpstreamError}: `unavailable` at once when the link
   * is not up (nothing is queued), `gateway` with the gateway's error, `timeout`, or `cancelled`.
   */
  async request(
    method: string,
    params: Record<string, unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const client = this.client
    if (this.state !== 'up' || client === null) {
      throw new UpstreamError('unavailable', {
        code: 'UNAVAILABLE',
        message: this.downReason,
        retryable: true,
        retryAfterMs: 1000,
      })
    }
    try {
      return await client.request(method, params, { timeoutMs: this.opts.requestTimeoutMs, signal: options.signal })
    } catch (error) {
      throw this.toUpstreamError(error, options.signal)
    }
  }

  private toUpstreamError(error: unknown, signal: AbortSignal | undefined): UpstreamError {
    const e = error as {
      name?: unknown
      code?: unknown
      gatewayCode?: unknown
      details?: unknown
      retryable?: unknown
      retryAfterMs?: unknown
    }
    if (signal?.aborted || e?.name === 'AbortError')
      return new UpstreamError('cancelled', { code: 'CANCELLED', message: 'The request was cancelled.' })
    if (e?.code === 'CLIENT_TIMEOUT') {
      return new UpstreamError('timeout', {
        code: 'UNAVAILABLE',
        message: 'The chat gateway did not answer in time; try again.',
        retryable: true,
        retryAfterMs: 1000,
      })
    }
    if (typeof e?.gatewayCode === 'string' && e.gatewayCode.length > 0) {
      return new UpstreamError('gateway', {
        code: e.gatewayCode,
        message: this.redact(messageOf(error)),
        details: e.details,
        retryable: e.retryable,
        retryAfterMs: e.retryAfterMs,
      })
    }
    // "gateway closed (1006): ", "gateway not connected", "gateway client stopped", …
    return new UpstreamError('unavailable', {
      code: 'UNAVAILABLE',
      message: 'The connection to the chat gateway was lost before it answered; try again.',
      retryable: true,
      retryAfterMs: 1000,
    })
  }

  /** Stops the link for good. */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.setState('closed')
    this.clearTimers()
    const client = this.client
    this.client = null
    if (client) await client.stopAndWait({ timeoutMs: 1000 }).catch(() => undefined)
  }

  private setState(state: LinkState): void {
    if (this.state === state) return
    this.state = state
    this.emit('state', state)
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.attemptTimer) clearTimeout(this.attemptTimer)
    this.retryTimer = null
    this.attemptTimer = null
  }

  private schedule(delayMs: number): void {
    if (this.state === 'closed' || this.state === 'failed') return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delayMs)
    this.retryTimer.unref?.()
  }

  private nextDelay(): number {
    if (NEEDS_A_PERSON.has(this.lastFailure)) {
      const first = this.opts.authRetryDelayMs ?? 5000
      return Math.min(
        this.opts.maxAuthRetryDelayMs ?? 30_000,
        first * 2 ** Math.min(Math.max(0, this.failures - 1), 16),
      )
    }
    const initial = this.opts.initialDelayMs ?? 100
    const max = this.opts.maxDelayMs ?? 500
    const base = Math.min(max, initial * 2 ** Math.min(this.failures, 16))
    return Math.round(base * (0.5 + Math.random() * 0.5))
  }

  private loadIdentity(): DeviceIdentity | null {
    if (this.identity) return this.identity
    try {
      this.identity = loadOrCreateDeviceIdentity(this.opts.identityPath)
      this.redact.add(...privateKeySecrets(this.identity.privateKeyPem))
      this.opts.log.info('clawchat: device identity ready', {
        deviceId: this.identity.deviceId,
        identityPath: this.opts.identityPath,
      })
      return this.identity
    } catch (error) {
      this.logOnce(
        `clawchat: cannot load or create the device identity at ${this.opts.identityPath}: ${messageOf(error)}`,
        {
          option: 'gateway.identityPath',
        },
      )
      this.downReason = REASONS.config
      this.operatorReason = `the proxy cannot load or create its device identity at ${this.opts.identityPath} (${messageOf(error)}): fix option "gateway.identityPath" or the folder's permissions`
      return null
    }
  }

  private connect(): void {
    if (this.state === 'closed' || this.state === 'failed') return
    const identity = this.loadIdentity()
    if (!identity) {
      this.failures += 1
      this.lastFailure = 'config'
      this.setState('misconfigured')
      this.announceDown()
      this.schedule(5000)
      return
    }
    this.attempt += 1
    const attempt = this.attempt
    const isCurrent = () => this.attempt === attempt && this.client === client && this.state !== 'closed'
    const options: GatewayClientOptions = {
      url: this.opts.url,
      token: this.opts.token,
      clientName: 'gateway-client',
      mode: 'backend',
      role: 'operator',
      scopes: [...LINK_SCOPES],
      caps: [],
      clientVersion: CLAWCHAT_VERSION,
      clientDisplayName: 'ClawChat proxy',
      platform: process.platform,
      deviceIdentity: identity,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      hostDeps: {
        signDevicePayload,
        publicKeyRawBase64UrlFromPem,
        loadDeviceAuthToken: ({ deviceId, role }) => this.deviceTokens.get(`${deviceId}|${role}`) ?? null,
        storeDeviceAuthToken: ({ deviceId, role, token, scopes }) =>
          void this.deviceTokens.set(`${deviceId}|${role}`, { token, scopes }),
        clearDeviceAuthToken: ({ deviceId, role }) => void this.deviceTokens.delete(`${deviceId}|${role}`),
        redactForLog: (message) => this.redact(message),
        logDebug: (message) => this.opts.log.debug(`clawchat: gateway client: ${message}`),
        logError: (message) => this.opts.log.debug(`clawchat: gateway client: ${message}`),
      },
      onHelloOk: (hello) => {
        if (!isCurrent()) return
        this.onHello(client, hello as { server?: { version?: unknown } })
      },
      onEvent: (frame) => {
        if (!isCurrent() || this.state !== 'up') return
        if ((frame as EventFrame).event === 'shutdown') {
          this.onGatewayShutdown(client)
          return
        }
        this.emit('event', frame as EventFrame)
      },
      onConnectError: (error) => {
        if (!isCurrent()) return
        this.onConnectError(client, error)
      },
      onClose: (code, reason) => {
        if (!isCurrent()) return
        this.onClientClosed(client, code, reason)
      },
    }
    const client = (this.opts.createClient ?? ((o) => new GatewayClient(o)))(options)
    this.client = client
    // A refusal that needs a person stays one while the link retries: no flicker to 'connecting'.
    if (this.state !== 'up' && this.state !== 'misconfigured') this.setState('connecting')
    this.attemptTimer = setTimeout(() => {
      if (!isCurrent() || this.state === 'up') return
      this.opts.log.debug('clawchat: gateway connection attempt timed out; retrying')
      this.abandon(client, 'other')
    }, this.opts.attemptTimeoutMs ?? 20_000)
    this.attemptTimer.unref?.()
    try {
      client.start()
    } catch (error) {
      this.onConnectError(client, error)
      if (this.client === client) this.abandon(client, 'other')
    }
  }

  private onHello(client: GatewayClientLike, hello: { server?: { version?: unknown } }): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer)
    this.attemptTimer = null
    this.failures = 0
    this.lastFailure = 'unreachable'
    this.gatewayVersion = typeof hello.server?.version === 'string' ? hello.server.version : this.gatewayVersion
    const again = this.loggedOutage
    this.loggedOutage = false
    this.announced = ''
    this.operatorReason = undefined
    this.lastError = ''
    this.setState('up')
    this.opts.log.info(again ? 'clawchat: gateway link is back up' : 'clawchat: gateway link is up', {
      gatewayVersion: this.gatewayVersion,
    })
    // One subscription for the whole process; the router decides who sees what.
    client.request('sessions.subscribe', {}).catch((error: unknown) => {
      if (this.client === client)
        this.opts.log.warn(`clawchat: sessions.subscribe failed: ${this.redact(messageOf(error))}`)
    })
    this.emit('up')
  }

  private classify(error: unknown): Failure {
    const d = errorDetails(error)
    const text = d.message.toLowerCase()
    if (text.includes('security error') || text.includes('tls fingerprint') || text.includes('edge auth headers'))
      return 'config'
    if (d.gatewayCode === 'NOT_PAIRED' || d.detailCode === 'PAIRING_REQUIRED' || text.includes('pairing required'))
      return 'pairing'
    if (d.detailCode?.startsWith('AUTH_') || text.includes('token mismatch') || text.includes('unauthorized'))
      return 'auth'
    if (d.detailCode === 'PROTOCOL_MISMATCH' || text.includes('protocol mismatch')) return 'protocol'
    if (text.includes('gateway starting')) return 'starting'
    if (/econnrefused|enotfound|eai_again|ehostunreach|etimedout|econnreset|socket hang up|closed \(1006\)/.test(text))
      return 'unreachable'
    return 'other'
  }

  private onConnectError(client: GatewayClientLike, error: unknown): void {
    const failure = this.classify(error)
    this.lastFailure = failure
    const d = errorDetails(error)
    const message = this.redact(d.message)
    switch (failure) {
      case 'config':
        this.opts.log.error(
          `clawchat: cannot connect to the gateway at ${this.opts.url}: ${message} — use a wss:// URL for a remote gateway (or, on a trusted private network only, set OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1). The link will not retry until the proxy is restarted with a fixed option "gateway.url".`,
          { option: 'gateway.url' },
        )
        this.downReason = REASONS.config
        this.operatorReason = `the proxy cannot connect to the gateway at ${this.opts.url}: ${message}. Use a wss:// URL (option "gateway.url") and restart the proxy`
        this.fail(client)
        return
      case 'pairing': {
        const requestId = d.requestId
        this.logOnce(
          requestId
            ? `clawchat: the gateway has not approved this proxy's device yet (NOT_PAIRED, requestId ${requestId}). On the gateway host run: openclaw devices approve ${requestId}`
            : `clawchat: the gateway has not approved this proxy's device yet (NOT_PAIRED). On the gateway host run: openclaw devices approve --latest`,
          { requestId, deviceId: this.identity?.deviceId },
        )
        this.downReason = REASONS.pairing
        this.operatorReason = requestId
          ? `the gateway has not approved this proxy's device yet: on the gateway host run "openclaw devices approve ${requestId}" (no restart needed; the proxy retries)`
          : `the gateway has not approved this proxy's device yet: on the gateway host run "openclaw devices approve --latest" (no restart needed; the proxy retries)`
        return
      }
      case 'auth':
        this.logOnce(
          `clawchat: configuration error: the gateway rejected the proxy's token (${d.detailCode ?? d.gatewayCode ?? 'unauthorized'}). Set option "gateway.token" to the gateway's token (gateway.auth.token on the gateway host, usually OPENCLAW_GATEWAY_TOKEN).`,
          { option: 'gateway.token', detailCode: d.detailCode },
        )
        this.downReason = REASONS.auth
        this.operatorReason = `the gateway rejected the proxy's token (${d.detailCode ?? d.gatewayCode ?? 'unauthorized'}): set option "gateway.token" to the gateway's token (gateway.auth.token on the gateway host) and restart the proxy`
        return
      case 'protocol':
        this.logOnce(
          `clawchat: the gateway at ${this.opts.url} speaks another protocol version (${message}); ClawChat speaks OpenClaw protocol ${PROTOCOL_VERSION}. Update the gateway or @clawchat/server.`,
          { option: 'gateway.url' },
        )
        this.downReason = REASONS.protocol
        this.operatorReason = `the gateway refused the proxy's protocol version (${message}); ClawChat speaks OpenClaw protocol ${PROTOCOL_VERSION}: update the gateway or @clawchat/server`
        return
      case 'starting':
        this.opts.log.debug('clawchat: the gateway is starting; retrying shortly')
        this.downReason = REASONS.starting
        return
      default:
        if (!this.loggedOutage) {
          this.loggedOutage = true
          this.opts.log.warn(
            `clawchat: cannot reach the gateway at ${this.opts.url}: ${message}; retrying about twice a second`,
          )
        } else {
          this.opts.log.debug(`clawchat: gateway still unreachable: ${message}`)
        }
        this.downReason = failure === 'unreachable' ? REASONS.unreachable : REASONS.other
    }
  }

  /**
   * The gateway announced it is stopping (its last frame before close 1012): go down now, so that
   * requests fail fast instead of meeting a closing socket, and start reconnecting.
   */
  private onGatewayShutdown(client: GatewayClientLike): void {
    this.downReason = REASONS.restarting
    this.opts.log.warn('clawchat: the gateway is shutting down or restarting; reconnecting')
    this.loggedOutage = true
    this.abandon(client, 'unreachable')
  }

  private onClientClosed(client: GatewayClientLike, code: number, reason: string): void {
    const wasUp = this.state === 'up'
    if (wasUp) {
      this.downReason = code === 1012 ? REASONS.restarting : REASONS.closed
      this.opts.log.warn(
        `clawchat: gateway link closed (${code}${reason ? ` ${this.redact(reason)}` : ''}); reconnecting`,
      )
      this.loggedOutage = true
    }
    this.abandon(client, wasUp ? 'unreachable' : this.lastFailure)
  }

  /** Stops this attempt's client and schedules the next attempt. */
  private abandon(client: GatewayClientLike, failure: Failure): void {
    if (this.client !== client) return
    const wasUp = this.state === 'up'
    this.client = null
    if (this.attemptTimer) clearTimeout(this.attemptTimer)
    this.attemptTimer = null
    try {
      client.stop()
    } catch {
      // already stopped
    }
    if (this.state === 'closed') return
    this.lastFailure = failure
    if (wasUp) this.failures = 0
    else this.failures += 1
    this.setState(NEEDS_A_PERSON.has(failure) ? 'misconfigured' : 'down')
    this.announceDown()
    this.schedule(wasUp ? Math.round(50 + Math.random() * 100) : this.nextDelay())
  }

  /** A failure no retry can fix (a refused plain ws:// URL): stop until restarted. */
  private fail(client: GatewayClientLike): void {
    if (this.client === client) this.client = null
    this.clearTimers()
    try {
      client.stop()
    } catch {
      // already stopped
    }
    this.setState('failed')
    this.announceDown()
  }

  /**
   * Emits `down` once per outage, and again when it turns from `down` to `misconfigured` (or back),
   * or a person's task changes (token → pairing) — not for each passing reason of an outage.
   */
  private announceDown(): void {
    const told = this.browserState === 'misconfigured' ? `misconfigured|${this.downReason}` : 'down'
    if (told === this.announced) return
    this.announced = told
    this.emit('down', this.downReason)
  }

  /** Logs a configuration problem at `error` once, then at `debug` while it repeats. */
  private logOnce(message: string, fields: object): void {
    if (message === this.lastError) this.opts.log.debug(message, fields)
    else this.opts.log.error(message, fields)
    this.lastError = message
  }
}
