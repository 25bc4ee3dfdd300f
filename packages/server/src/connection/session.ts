/**
 * One browser's session on its socket: the handshake (an optional `connect` → sanitised `hello-ok`
 * → `clawchat.session`, or the implicit connect of a first request; neither within
 * `handshakeTimeoutMs` closes the socket), then its requests and `cancel`s, the proxy's own ticks,
 * and `clawchat.gateway` whenever the gateway's state changes. Events wait for the handshake.
 */
import { CLAWCHAT_GATEWAY_EVENT, CLAWCHAT_SESSION_EVENT, CloseCodes, type ClawChatUser } from '@clawchat/protocol'
import { allowedMethods, effectiveScopes } from '../isolation/policy.js'
import type { MethodPolicy, Role } from '../isolation/method-policy.js'
import { invalidRequest } from '../common/errors.js'
import type { ConnectionDeps } from './connection-deps.js'
import { GatewayNotice } from './gateway-notice.js'
import { checkConnect } from './handshake.js'
import { buildHelloOk, buildSessionPayload } from './hello.js'
import type { AdmittedFrame } from './inbox.js'
import type { Outbox } from './outbox.js'
import { RequestRelay } from './requests.js'

type State = 'handshake' | 'ready' | 'closed'

/** No caps named: one empty list for every connection. */
const NO_CAPS: readonly string[] = Object.freeze([])

/** Each policy's methods per role, worked out once and shared by the connections (read only). */
const methodsByPolicy = new WeakMap<MethodPolicy, Record<Role, readonly string[]>>()

/** What `role` may call under `policy`: one frozen list per policy and role, not one per connection. */
function methodsFor(policy: MethodPolicy, role: Role): readonly string[] {
  let byRole = methodsByPolicy.get(policy)
  if (!byRole) {
    byRole = {
      user: Object.freeze(allowedMethods(policy, 'user')),
      admin: Object.freeze(allowedMethods(policy, 'admin')),
    }
    methodsByPolicy.set(policy, byRole)
  }
  return byRole[role]
}

/**
 * The session of one connection.
 *
 * @example
 * const session = new BrowserSession(connId, user, deps, outbox, (code, why) => ws.close(code, why))
 * session.handle({ kind: 'request', id: '1', method: 'connect', params, bytes }) // hello-ok
 * session.sendEvent('chat', payload) // seq 2 (clawchat.session was 1)
 */
export class BrowserSession {
  private state: State = 'handshake'
  private tickTimer: NodeJS.Timeout | null = null
  private handshakeTimer: NodeJS.Timeout | null = null
  private readonly notice = new GatewayNotice()
  /** What this user may call. */
  private readonly methods: readonly string[]
  private readonly requests: RequestRelay
  /** The known caps the browser named in `connect` (none without it). */
  private named: readonly string[] = NO_CAPS

  constructor(
    private readonly connId: string,
    private readonly user: ClawChatUser,
    private readonly deps: ConnectionDeps,
    private readonly outbox: Outbox,
    private readonly close: (code: number, why: string) => void,
  ) {
    this.methods = methodsFor(deps.methods, user.role)
    this.requests = new RequestRelay(connId, user, deps, outbox)
    const { handshakeTimeoutMs } = deps.limits
    if (handshakeTimeoutMs > 0) {
      this.handshakeTimer = setTimeout(() => {
        if (this.state === 'handshake')
          this.close(CloseCodes.POLICY_VIOLATION, `no connect or request within ${handshakeTimeoutMs} ms`)
      }, handshakeTimeoutMs)
      this.handshakeTimer.unref?.()
    }
  }

  /** True once `hello-ok` (or the implicit connect) has happened. */
  get isReady(): boolean {
    return this.state === 'ready'
  }

  /** The known `caps` of the browser's `connect`; a client that skipped `connect` has none. */
  get caps(): readonly string[] {
    return this.named
  }

  /** True once the connection closed. */
  get isClosed(): boolean {
    return this.state === 'closed'
  }

  /** Handles a frame the inbox admitted. */
  handle(frame: AdmittedFrame): void {
    if (frame.kind === 'cancel') {
      this.requests.cancel(frame.id)
      return
    }
    const { id } = frame
    if (this.requests.has(id)) {
      const shown = id.slice(0, 64)
      this.outbox.respondError(
        id,
        invalidRequest(
          `invalid request frame: a request with id "${shown}" is still in flight; use a new id per request`,
        ),
      )
      return
    }
    if (frame.method === 'connect') {
      this.connect(id, frame.params)
      return
    }
    if (this.state === 'handshake') this.becomeReady()
    void this.requests.relay(id, frame.method, frame.params, frame.bytes)
  }

  /** Sends an event, numbering its `seq`; events before the handshake are dropped. */
  sendEvent(event: string, payload: unknown): void {
    if (this.state !== 'ready') return
    this.outbox.event(event, payload)
  }

  /** Tells the browser what became of the gateway (once per change). */
  gatewayChanged(): void {
    if (this.state !== 'ready') return
    const notice = this.notice.next(this.deps.link, this.user.role)
    if (notice) this.sendEvent(CLAWCHAT_GATEWAY_EVENT, notice)
  }

  /** Ends the session: its timers stop and its requests in flight are aborted. */
  end(): void {
    this.state = 'closed'
    for (const timer of [this.tickTimer, this.handshakeTimer]) if (timer) clearTimeout(timer)
    this.tickTimer = null
    this.handshakeTimer = null
    this.requests.abortAll()
  }

  private connect(id: string, params: unknown): void {
    if (this.state === 'ready') {
      this.outbox.respondError(id, invalidRequest('already connected: send connect once, as the first request'))
      return
    }
    const verdict = checkConnect(params)
    if (!verdict.ok) {
      this.outbox.respondError(id, verdict.error)
      this.close(verdict.close.code, verdict.close.why)
      return
    }
    this.named = verdict.caps
    this.outbox.respond(
      id,
      buildHelloOk({
        gatewayVersion: this.deps.link.gatewayVersion,
        connId: this.connId,
        methods: this.methods,
        scopes: effectiveScopes(this.user.role, this.methods),
        uptimeMs: Date.now() - this.deps.startedAt,
        limits: this.deps.limits,
      }),
    )
    this.becomeReady()
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
}
