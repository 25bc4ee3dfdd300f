/**
 * The gateway's own admission as the link hears it (measured on openclaw 2026.9.6 by
 * e2e/real-gateway/suspension-facts.test.ts and shutdown-probe.test.ts):
 *
 * - **Cooperative host suspension**: `hello-ok.snapshot.suspension.phase` and each `gateway.suspension`
 *   `{phase}` event (`accepting` → `preparing` → `prepared`, or `draining` first while running work
 *   finishes). While not `accepting` the gateway refuses new work with a retryable `UNAVAILABLE`
 *   (`details.reason: "gateway-suspending"`, `details.phase`).
 * - **A restart or stop drain**: from SIGTERM every request gets a retryable `UNAVAILABLE`
 *   `"<method> unavailable during gateway restart"` (`details.reason: "gateway-restarting"`) while the
 *   running runs finish; then the `shutdown` event (`gateway stopping`, or `gateway restarting` with
 *   `restartExpectedMs`) and close 1012. No `gateway.suspension` event is sent for it.
 */
import { isRecord } from '../common/records.js'

/** The gateway's own admission as the link sees it. */
export type SuspensionPhase = 'accepting' | 'preparing' | 'draining' | 'prepared'

/**
 * The gateway's admission, read-only (what `link.admission` offers the readiness probe).
 *
 * @example
 * if (link.admission.reason()) res.status(503).json({ status: 'not ready', reason: link.admission.reason() })
 */
export interface AdmissionView {
  /** From hello-ok's snapshot `suspension.phase` and each `gateway.suspension` event; 'accepting' when unknown. */
  readonly phase: SuspensionPhase
  /** True once the gateway said it is draining for a restart/shutdown, until the link is up again on a new hello. */
  readonly draining: boolean
  /** A sentence for readyz when not admitting (no ids, no secrets), else undefined. */
  reason(): string | undefined
}

const PHASES: ReadonlySet<string> = new Set(['accepting', 'preparing', 'draining', 'prepared'])

/** `details.reason` of the gateway's refusals while it drains for a restart or stop. */
export const GATEWAY_RESTARTING_REASON = 'gateway-restarting'
/** `details.reason` of the gateway's refusals while a suspension holds admission closed. */
export const GATEWAY_SUSPENDING_REASON = 'gateway-suspending'

const PHASE_REASONS: Record<Exclude<SuspensionPhase, 'accepting'>, string> = {
  preparing: 'the chat gateway is preparing to be suspended by its host and takes no new work',
  draining: 'the chat gateway is being suspended by its host: running work finishes, new work is refused',
  prepared: 'the chat gateway is suspended by its host and takes no new work until it is resumed',
}

/** Whether a value is one of the four phases. */
export function isSuspensionPhase(value: unknown): value is SuspensionPhase {
  return typeof value === 'string' && PHASES.has(value)
}

/** The `phase` of a `{ phase }` object, if it is one of the four. */
function phaseOf(value: unknown): SuspensionPhase | undefined {
  return isRecord(value) && isSuspensionPhase(value.phase) ? value.phase : undefined
}

/**
 * The admission tracker the link feeds: its hello, its events and its requests' errors.
 *
 * @example
 * const admission = new GatewayAdmission()
 * admission.helloOk(hello)                                   // snapshot.suspension.phase
 * admission.heard({ event: 'gateway.suspension', payload: { phase: 'prepared' } })
 * admission.reason() // 'the chat gateway is suspended by its host and takes no new work until it is resumed'
 */
export class GatewayAdmission implements AdmissionView {
  private current: SuspensionPhase = 'accepting'
  private drainingNow = false

  get phase(): SuspensionPhase {
    return this.current
  }

  get draining(): boolean {
    return this.drainingNow
  }

  reason(): string | undefined {
    if (this.drainingNow)
      return 'the chat gateway is draining for a restart or shutdown and takes no new work until it is back'
    return this.current === 'accepting' ? undefined : PHASE_REASONS[this.current]
  }

  /** A new `hello-ok`: a gateway that admitted the link; its snapshot's phase (absent: `accepting`). */
  helloOk(hello: unknown): void {
    this.drainingNow = false
    this.current =
      phaseOf(isRecord(hello) && isRecord(hello.snapshot) ? hello.snapshot.suspension : undefined) ?? 'accepting'
  }

  /** An event from the gateway: `gateway.suspension` sets the phase, `shutdown` means it drains. */
  heard(frame: { event?: unknown; payload?: unknown }): void {
    if (frame.event === 'shutdown') this.drainingNow = true
    else if (frame.event === 'gateway.suspension') this.current = phaseOf(frame.payload) ?? this.current
  }

  /**
   * Notes a request's error (an `UpstreamError`, whose `shape` is the gateway's error, or the error
   * object itself) and answers it: a restart refusal means the gateway drains; a suspension refusal
   * carries the phase.
   */
  refused<E>(error: E): E {
    const shape = isRecord(error) && isRecord(error.shape) ? error.shape : error
    const details = isRecord(shape) && isRecord(shape.details) ? shape.details : undefined
    if (details?.reason === GATEWAY_RESTARTING_REASON) this.drainingNow = true
    else if (details?.reason === GATEWAY_SUSPENDING_REASON) this.current = phaseOf(details) ?? this.current
    return error
  }
}
