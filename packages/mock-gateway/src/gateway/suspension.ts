import { randomUUID } from 'node:crypto'
import { ErrorCodes } from '@openclaw/gateway-protocol'
import { GATEWAY_SUSPEND_UNAVAILABLE_REASON } from '@openclaw/gateway-protocol/restart-unavailable'
import { GatewayRequestError, invalidRequest, type GatewayErrorShape } from './errors.js'

/** The gateway's admission phase (`hello-ok.snapshot.suspension.phase`, `gateway.suspension` events). */
export type SuspensionPhase = 'accepting' | 'preparing' | 'draining' | 'prepared'

/** How long a lease holds before admission reopens by itself (the real one: two minutes). */
export const SUSPENSION_LEASE_MS = 120_000

/** The methods a suspended gateway still runs (the real gateway's `SUSPEND_CONTROL_METHODS`). */
export const SUSPEND_CONTROL_METHODS: ReadonlySet<string> = new Set([
  'gateway.suspend.prepare',
  'gateway.suspend.status',
  'gateway.suspend.resume',
])

/** What the suspension needs from the gateway around it (the `GatewayCore`). */
export interface SuspensionHost {
  /** The runs active right now. */
  readonly runs: { activeRuns(): unknown[] }
  /** Sends an event to every connected client. */
  broadcastEvent(event: string, payload: unknown): void
}

interface Lease {
  requestId: string
  suspensionId: string
  expiresAtMs: number
  timer: NodeJS.Timeout
}

/** One blocker of a busy or draining answer. */
interface Blocker {
  kind: string
  count: number
  message: string
}

/**
 * The blockers the real gateway listed for `n` streaming chat runs (recorded for one run: six kinds,
 * `activeCount` 8; the mock multiplies them).
 */
function runBlockers(n: number): { activeCount: number; blockers: Blocker[] } {
  const blockers: Blocker[] = [
    { kind: 'queue', count: 2 * n, message: `${2 * n} queued or active operation(s)` },
    { kind: 'reply', count: n, message: `${n} pending reply delivery operation(s)` },
    { kind: 'embedded-run', count: n, message: `${n} active embedded run(s)` },
    { kind: 'root-request', count: n, message: `${n} active gateway request(s): ws:chat.send` },
    { kind: 'session-admission', count: 2 * n, message: `${2 * n} admitted session turn(s)` },
    { kind: 'chat-run', count: n, message: `${n} active chat run(s)` },
  ]
  return { activeCount: blockers.reduce((sum, b) => sum + b.count, 0), blockers }
}

/**
 * Cooperative host suspension as openclaw 2026.9.6 does it (recorded by
 * e2e/real-gateway/suspension-facts.test.ts): `prepare` closes admission at once when no run is active
 * (`preparing` → `prepared`), refuses with `busy` when one is (`preparing` → `accepting`), or with
 * `drain: true` holds admission closed while the active runs finish (`preparing` → `draining`, and
 * `prepared` at the first `status` call after they ended); `resume` or the lease's expiry reopens it
 * (`accepting`).
 */
export class GatewaySuspension {
  private current: SuspensionPhase = 'accepting'
  private lease: Lease | undefined

  constructor(
    private readonly host: SuspensionHost,
    private readonly leaseMs = SUSPENSION_LEASE_MS,
  ) {}

  get phase(): SuspensionPhase {
    return this.current
  }

  /**
   * `gateway.suspend.prepare`'s answer (after its params were checked). While a lease is held, the same
   * `requestId` gets that lease again (the docs' "stable requestId"; not recorded) and any other the
   * recorded conflict.
   */
  prepare(requestId: string, drain: boolean): Record<string, unknown> {
    if (this.lease?.requestId === requestId)
      return {
        status: this.current === 'prepared' ? 'ready' : 'draining',
        suspensionId: this.lease.suspensionId,
        ...this.held(this.lease),
      }
    if (this.lease) throw leaseConflict('another gateway suspension is already prepared', this.lease)
    this.moveTo('preparing')
    const runs = this.host.runs.activeRuns()
    if (runs.length > 0 && !drain) {
      this.moveTo('accepting')
      return {
        status: 'busy',
        reason: 'active-work',
        retryAfterMs: 20_000,
        ...runBlockers(runs.length),
        writeCustody: [],
      }
    }
    const lease = this.newLease(requestId)
    if (runs.length === 0) {
      this.moveTo('prepared')
      return {
        status: 'ready',
        suspensionId: lease.suspensionId,
        expiresAtMs: lease.expiresAtMs,
        activeCount: 0,
        blockers: [],
        writeCustody: [],
      }
    }
    this.moveTo('draining')
    return { status: 'draining', suspensionId: lease.suspensionId, ...this.held(lease), retryAfterMs: 20_000 }
  }

  /**
   * `gateway.suspend.status`'s answer. It looks at the active work again: a draining lease whose runs
   * have all ended becomes `prepared` here, not by itself (recorded: no `prepared` event came within
   * 5 s of the run's end until a status call).
   */
  status(suspensionId: string): Record<string, unknown> {
    if (!this.lease) return { status: 'running' }
    if (this.lease.suspensionId !== suspensionId)
      throw leaseConflict('a different gateway suspension is prepared', this.lease)
    if (this.current === 'draining' && this.host.runs.activeRuns().length === 0) this.moveTo('prepared')
    return this.held(this.lease)
  }

  /** `gateway.suspend.resume`'s answer: another lease's id is refused, none held is `resumed: false`. */
  resume(suspensionId: string): Record<string, unknown> {
    if (!this.lease) return { ok: true, status: 'running', resumed: false }
    if (this.lease.suspensionId !== suspensionId) throw invalidRequest('gateway suspension id does not match')
    this.release()
    return { ok: true, status: 'running', resumed: true }
  }

  /** Releases whatever lease is held, as a resume naming it would; false when none is. */
  endLease(): boolean {
    if (!this.lease) return false
    this.release()
    return true
  }

  /**
   * The error a request gets while admission is closed (every method but `gateway.suspend.*`), else
   * undefined: `UNAVAILABLE "<method> unavailable during gateway suspension"`, retryable after 1 s.
   */
  refusal(method: string): GatewayErrorShape | undefined {
    if (this.current === 'accepting' || SUSPEND_CONTROL_METHODS.has(method)) return undefined
    return {
      code: ErrorCodes.UNAVAILABLE,
      message: `${method} unavailable during gateway suspension`,
      retryable: true,
      retryAfterMs: 1000,
      details: { method, reason: GATEWAY_SUSPEND_UNAVAILABLE_REASON, phase: this.current },
    }
  }

  /** Forgets the lease without an event (a new boot starts accepting). */
  reset(): void {
    if (this.lease) clearTimeout(this.lease.timer)
    this.lease = undefined
    this.current = 'accepting'
  }

  private held(lease: Lease): Record<string, unknown> {
    if (this.current === 'prepared') return { status: 'ready', expiresAtMs: lease.expiresAtMs, writeCustody: [] }
    const runs = this.host.runs.activeRuns().length
    return {
      status: 'draining',
      expiresAtMs: lease.expiresAtMs,
      ...runBlockers(runs),
      writeCustody: [],
      retryAfterMs: 20_000,
    }
  }

  private newLease(requestId: string): Lease {
    const expiresAtMs = Date.now() + this.leaseMs
    const timer = setTimeout(() => this.release(), this.leaseMs)
    timer.unref()
    this.lease = { requestId, suspensionId: randomUUID(), expiresAtMs, timer }
    return this.lease
  }

  private release(): void {
    if (this.lease) clearTimeout(this.lease.timer)
    this.lease = undefined
    this.moveTo('accepting')
  }

  private moveTo(phase: SuspensionPhase): void {
    if (phase === this.current) return
    this.current = phase
    this.host.broadcastEvent('gateway.suspension', { phase })
  }
}

/**
 * What the real gateway answers `status` naming another lease and a second `prepare` while a lease is
 * held: retryable `UNAVAILABLE` until the lease expires, without the lease's id.
 */
function leaseConflict(message: string, lease: Lease): GatewayRequestError {
  return new GatewayRequestError({
    code: ErrorCodes.UNAVAILABLE,
    message,
    retryable: true,
    retryAfterMs: Math.max(0, lease.expiresAtMs - Date.now()),
    details: { reason: 'gateway-suspension-conflict', expiresAtMs: lease.expiresAtMs },
  })
}
