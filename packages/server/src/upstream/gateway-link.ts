/**
 * The ONE upstream link of a proxy to its gateway, on `@openclaw/gateway-client`: the link's state
 * machine. Its parts: `link-client.ts` (one attempt's client and its handshake), `link-backoff.ts` (when it tries
 * again), `link-failures.ts` (why an attempt failed), `link-refusals.ts` and `link-report.ts` (what
 * people and operators are told), `link-requests.ts` (relaying a request), `upstream-error.ts`.
 *
 * The link owns the reconnect policy: one `GatewayClient` per connection attempt (its own backoff
 * is fixed at 1 s → 30 s without jitter and `stop()` is final), stopped as soon as its socket
 * closes (or the gateway announces `shutdown`), and a fresh one after a short jittered delay (see
 * `link-backoff.ts`). Nothing is sent before `onHelloOk`; then the link subscribes once to
 * `sessions.subscribe` (the router filters what it brings).
 */
import { EventEmitter } from 'node:events'
import { GatewayClient, type GatewayClientOptions } from '@openclaw/gateway-client'
import type { EventFrame } from '@clawchat/protocol'
import { createRedactor, messageOf, type SecretRedactor } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { DeviceIdentity } from './device-identity.js'
import { GatewayAdmission } from './gateway-admission.js'
import { LinkBackoff, type BackoffDelays } from './link-backoff.js'
import { NEEDS_A_PERSON, classifyFailure, errorDetails, type Failure } from './link-failures.js'
import { linkClientOptions, loadLinkIdentity, stopQuietly, type GatewayClientLike } from './link-client.js'
import { describeRefusal, identityRefusal } from './link-refusals.js'
import { LinkReport } from './link-report.js'
import { linkUnavailable, relayRequest, socketQueuedBytes } from './link-requests.js'

export { UpstreamError } from './upstream-error.js'
export { LINK_SCOPES, linkCaps, type GatewayClientLike } from './link-client.js'

/**
 * Where the link stands: `misconfigured` when the gateway refused it for a reason that needs a
 * person (a wrong token, a device not yet approved, a protocol mismatch) — it keeps retrying slowly;
 * `failed` when no retry can help until the proxy is restarted with a fixed option.
 */
export type LinkState = 'connecting' | 'up' | 'down' | 'misconfigured' | 'failed' | 'closed'

/** What browsers are told of the link: `misconfigured` covers both `misconfigured` and `failed`. */
export type BrowserGatewayState = 'up' | 'down' | 'misconfigured'

/** Options of {@link GatewayLink}; the retry delays are {@link BackoffDelays}. */
export interface GatewayLinkOptions extends BackoffDelays {
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
  /** An attempt that neither succeeds nor fails within this time is abandoned, ms (default 20000). */
  attemptTimeoutMs?: number
  /** Option `approvals.route`: the link is also an approval client (caps: see `linkCaps`). Default false. */
  approvalRoute?: boolean
  /** Makes the client for one attempt (default: a real `GatewayClient`). */
  createClient?: (options: GatewayClientOptions) => GatewayClientLike
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
  /** The gateway's own admission (an {@link AdmissionView} the link feeds; see `gateway-admission.ts`). */
  readonly admission = new GatewayAdmission()
  private client: GatewayClientLike | null = null
  private attempt = 0
  private readonly backoff: LinkBackoff
  private attemptTimer: NodeJS.Timeout | null = null
  private identity: DeviceIdentity | null = null
  private readonly deviceTokens = new Map<string, { token: string; scopes: string[] }>()
  private readonly redact: SecretRedactor
  private readonly report: LinkReport
  private started = false

  constructor(private readonly opts: GatewayLinkOptions) {
    super()
    this.redact = opts.redact ?? createRedactor([opts.token])
    this.redact.add(opts.token)
    this.backoff = new LinkBackoff(opts, () => this.connect())
    this.report = new LinkReport(opts.log, opts.url, this.redact)
  }

  /** Why the link is down, for people (any user may read it: no detail that helps an attacker). */
  get downReason(): string {
    return this.report.downReason
  }

  /**
   * Why the link is refused, for administrators, when it is `misconfigured` or `failed`: what the
   * gateway said and what to do (the option to fix, the approval command) — never the token.
   */
  get operatorReason(): string | undefined {
    return this.report.operatorReason
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.started || this.state === 'closed') return
    this.started = true
    this.backoff.after(0)
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

  /** Bytes the link's socket has not taken yet: a slow gateway's backlog ({@link socketQueuedBytes}). */
  get queuedBytes(): number {
    return socketQueuedBytes(this.client)
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
    if (this.state !== 'up' || client === null) throw linkUnavailable(this.downReason)
    const { signal } = options
    const relay = { timeoutMs: this.opts.requestTimeoutMs, signal, redact: this.redact }
    // A refusal saying the gateway drains or is suspended updates its admission.
    return relayRequest(client, method, params, relay).catch((e: unknown) => Promise.reject(this.admission.refused(e)))
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
    this.backoff.cancel()
    this.clearAttemptTimer()
  }

  private clearAttemptTimer(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer)
    this.attemptTimer = null
  }

  private loadIdentity(): DeviceIdentity | null {
    try {
      this.identity ??= loadLinkIdentity(this.opts.identityPath, this.redact, this.opts.log)
      return this.identity
    } catch (error) {
      this.report.refused(identityRefusal(this.opts.identityPath, messageOf(error)))
      return null
    }
  }

  private connect(): void {
    if (this.state === 'closed' || this.state === 'failed') return
    const identity = this.loadIdentity()
    if (!identity) {
      this.setState('misconfigured')
      this.backoff.failed('config', false, 5000)
      return this.announceDown()
    }
    this.attempt += 1
    const attempt = this.attempt
    const isCurrent = () => this.attempt === attempt && this.client === client && this.state !== 'closed'
    const { url, token, requestTimeoutMs, log } = this.opts
    const ctx = { url, token, requestTimeoutMs, identity, deviceTokens: this.deviceTokens, redact: this.redact, log }
    const options = linkClientOptions(
      { ...ctx, approvalRoute: this.opts.approvalRoute === true },
      {
        onHelloOk: (hello) => void (isCurrent() && this.onHello(client, hello)),
        onEvent: (frame) => void (isCurrent() && this.state === 'up' && this.onEvent(client, frame)),
        onConnectError: (error) => void (isCurrent() && this.onConnectError(client, error)),
        onClose: (code, reason) => void (isCurrent() && this.onClientClosed(client, code, reason)),
      },
    )
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

  private onHello(client: GatewayClientLike, hello: { server?: { version?: unknown }; snapshot?: unknown }): void {
    this.clearAttemptTimer()
    this.admission.helloOk(hello)
    this.backoff.succeeded()
    this.gatewayVersion = typeof hello.server?.version === 'string' ? hello.server.version : this.gatewayVersion
    this.report.up(this.gatewayVersion)
    this.setState('up')
    // One subscription for the whole process; the router decides who sees what.
    client.request('sessions.subscribe', {}).catch((error: unknown) => {
      if (this.client === client)
        this.opts.log.warn(`clawchat: sessions.subscribe failed: ${this.redact(messageOf(error))}`)
    })
    this.emit('up')
  }

  private onEvent(client: GatewayClientLike, frame: EventFrame): void {
    this.admission.heard(frame)
    if (frame.event === 'shutdown') this.onGatewayShutdown(client)
    else this.emit('event', frame)
  }

  private onConnectError(client: GatewayClientLike, error: unknown): void {
    const failure = classifyFailure(error)
    this.backoff.lastFailure = failure
    const d = errorDetails(error)
    const message = this.redact(d.message)
    if (failure === 'starting') this.report.starting()
    else if (failure === 'unreachable' || failure === 'other') this.report.unreachable(failure, message)
    else {
      const refusal = describeRefusal(failure, d, { url: this.opts.url, message, deviceId: this.identity?.deviceId })
      if (failure !== 'config') return this.report.refused(refusal)
      // A refused plain ws:// URL: no retry helps until the proxy is restarted.
      this.report.failed(refusal)
      this.fail(client)
    }
  }

  /**
   * The gateway announced it is stopping (its last frame before close 1012): go down now, so that
   * requests fail fast instead of meeting a closing socket, and start reconnecting.
   */
  private onGatewayShutdown(client: GatewayClientLike): void {
    this.report.restarting()
    this.abandon(client, 'unreachable')
  }

  private onClientClosed(client: GatewayClientLike, code: number, reason: string): void {
    const wasUp = this.state === 'up'
    if (wasUp) this.report.lost(code, reason)
    this.abandon(client, wasUp ? 'unreachable' : this.backoff.lastFailure)
  }

  /** Stops this attempt's client and schedules the next attempt. */
  private abandon(client: GatewayClientLike, failure: Failure): void {
    if (this.client !== client) return
    const wasUp = this.state === 'up'
    this.client = null
    this.clearAttemptTimer()
    stopQuietly(client)
    if (this.state === 'closed') return
    this.setState(NEEDS_A_PERSON.has(failure) ? 'misconfigured' : 'down')
    this.backoff.failed(failure, wasUp)
    this.announceDown()
  }

  /** A failure no retry can fix (a refused plain ws:// URL): stop until restarted. */
  private fail(client: GatewayClientLike): void {
    if (this.client === client) this.client = null
    this.clearTimers()
    stopQuietly(client)
    this.setState('failed')
    this.announceDown()
  }

  /** Emits `down` once per outage, and again when what a person must do changes (see {@link LinkReport}). */
  private announceDown(): void {
    if (this.report.shouldAnnounce(this.browserState === 'misconfigured')) this.emit('down', this.downReason)
  }
}
