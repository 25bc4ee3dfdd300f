/**
 * The link's reconnect policy: when the next attempt starts. `GatewayClient`'s own backoff is fixed
 * at 1 s → 30 s without jitter, so the link makes one client per attempt and times them itself:
 * 50–150 ms after losing a live link; then 100 ms doubling to a cap of 500 ms, each delay jittered
 * to 50–100 % of its step. So while the gateway is down the link tries about twice a second, and
 * once it accepts again the link is back after at most one sleep (≤ 500 ms) plus one handshake —
 * within the 2 s the proxy promises. After a refusal that needs a person (token, pairing, protocol):
 * 5 s doubling to 30 s, so an operator's `openclaw devices approve` is picked up within half a minute.
 */
import { NEEDS_A_PERSON, type Failure } from './link-failures.js'

/** The delays of {@link LinkBackoff}, ms (see `GatewayLinkOptions`). */
export interface BackoffDelays {
  /** First retry delay (default 100); doubles up to `maxDelayMs` (default 500), jittered. */
  initialDelayMs?: number
  maxDelayMs?: number
  /** First delay after a refusal that needs a person (default 5000), doubling up to `maxAuthRetryDelayMs` (30000). */
  authRetryDelayMs?: number
  maxAuthRetryDelayMs?: number
}

/**
 * Counts failed attempts in a row and runs the next attempt after the right delay (one pending at
 * most; its timer never keeps the process alive).
 *
 * @example
 * const backoff = new LinkBackoff({}, () => connect())
 * backoff.failed('unreachable', false) // counts it and schedules `connect` in 100–200 ms
 */
export class LinkBackoff {
  /** Failed attempts since the link was last up. */
  failures = 0
  /** Why the last attempt failed. */
  lastFailure: Failure = 'unreachable'
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly delays: BackoffDelays,
    private readonly attempt: () => void,
  ) {}

  /** Runs the attempt after `delayMs`, replacing one already pending. */
  after(delayMs: number): void {
    this.cancel()
    this.timer = setTimeout(() => {
      this.timer = null
      this.attempt()
    }, delayMs)
    this.timer.unref?.()
  }

  /** Drops the pending attempt, if any. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** The link is up: the next outage starts from the shortest delay. */
  succeeded(): void {
    this.failures = 0
    this.lastFailure = 'unreachable'
  }

  /**
   * An attempt ended with `failure` (`wasUp`: a live link was lost): counts it and schedules the
   * next attempt — after `delayMs` when given, else soon after a lost link, else after {@link nextDelay}.
   */
  failed(failure: Failure, wasUp: boolean, delayMs?: number): void {
    this.lastFailure = failure
    if (wasUp) this.failures = 0
    else this.failures += 1
    this.after(delayMs ?? (wasUp ? Math.round(50 + Math.random() * 100) : this.nextDelay()))
  }

  /** The delay before the next attempt, from the failures in a row and the last one's kind. */
  nextDelay(): number {
    if (NEEDS_A_PERSON.has(this.lastFailure)) {
      const first = this.delays.authRetryDelayMs ?? 5000
      return Math.min(
        this.delays.maxAuthRetryDelayMs ?? 30_000,
        first * 2 ** Math.min(Math.max(0, this.failures - 1), 16),
      )
    }
    const initial = this.delays.initialDelayMs ?? 100
    const max = this.delays.maxDelayMs ?? 500
    const base = Math.min(max, initial * 2 ** Math.min(this.failures, 16))
    return Math.round(base * (0.5 + Math.random() * 0.5))
  }
}
