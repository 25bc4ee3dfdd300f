/**
 * What the link tells people about itself: the reason it is down (for browsers), the task of an
 * administrator when it is refused, and the operational log — one warning per outage and one error
 * per refusal, `debug` while they repeat. It never sees the token unredacted.
 */
import type { Redactor } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { REASONS, type Failure } from './link-failures.js'
import type { Refusal } from './link-refusals.js'

/**
 * The link's account of its state.
 *
 * @example
 * const report = new LinkReport(log, url, redact)
 * report.unreachable('unreachable', 'connect ECONNREFUSED') // warns once for the outage
 * report.downReason // 'The chat gateway cannot be reached; reconnecting.'
 */
export class LinkReport {
  /** Why the link is down, for people (any user may read it: no detail that helps an attacker). */
  downReason: string = REASONS.starting
  /** Why the link is refused, for administrators (never the token); `undefined` when it is not. */
  operatorReason: string | undefined
  private loggedOutage = false
  private lastError = ''
  /** What `down` last told (`state|reason`), so a change of reason mid-outage is told once. */
  private announced = ''

  constructor(
    private readonly log: ProxyLog,
    private readonly url: string,
    private readonly redact: Redactor,
  ) {}

  /** The link is up: logs it (`back up` after an outage) and forgets the outage. */
  up(gatewayVersion: string | undefined): void {
    const again = this.loggedOutage
    this.loggedOutage = false
    this.announced = ''
    this.operatorReason = undefined
    this.lastError = ''
    this.log.info(again ? 'clawchat: gateway link is back up' : 'clawchat: gateway link is up', { gatewayVersion })
  }

  /** A refusal that needs a person: logged once at `error` (then `debug` while it repeats). */
  refused(refusal: Refusal): void {
    if (refusal.log === this.lastError) this.log.debug(refusal.log, refusal.fields)
    else this.log.error(refusal.log, refusal.fields)
    this.lastError = refusal.log
    this.tell(refusal)
  }

  /** A refusal no retry fixes (the link stops): logged at `error`. */
  failed(refusal: Refusal): void {
    this.log.error(refusal.log, refusal.fields)
    this.tell(refusal)
  }

  /** The gateway answered that it is still starting. */
  starting(): void {
    this.log.debug('clawchat: the gateway is starting; retrying shortly')
    this.downReason = REASONS.starting
  }

  /** An attempt failed for a passing reason (`message` already redacted): warned once per outage. */
  unreachable(failure: Failure, message: string): void {
    if (!this.loggedOutage) {
      this.loggedOutage = true
      this.log.warn(`clawchat: cannot reach the gateway at ${this.url}: ${message}; retrying about twice a second`)
    } else {
      this.log.debug(`clawchat: gateway still unreachable: ${message}`)
    }
    this.downReason = failure === 'unreachable' ? REASONS.unreachable : REASONS.other
  }

  /** The gateway announced `shutdown`. */
  restarting(): void {
    this.downReason = REASONS.restarting
    this.log.warn('clawchat: the gateway is shutting down or restarting; reconnecting')
    this.loggedOutage = true
  }

  /** The live link's socket closed. */
  lost(code: number, reason: string): void {
    this.downReason = code === 1012 ? REASONS.restarting : REASONS.closed
    this.log.warn(`clawchat: gateway link closed (${code}${reason ? ` ${this.redact(reason)}` : ''}); reconnecting`)
    this.loggedOutage = true
  }

  /**
   * Whether `down` must be emitted now: once per outage, and again when it turns from `down` to
   * `misconfigured` (or back), or a person's task changes (token → pairing) — not for each passing
   * reason of an outage.
   */
  shouldAnnounce(misconfigured: boolean): boolean {
    const told = misconfigured ? `misconfigured|${this.downReason}` : 'down'
    if (told === this.announced) return false
    this.announced = told
    return true
  }

  private tell(refusal: Refusal): void {
    this.downReason = refusal.downReason
    this.operatorReason = refusal.operatorReason
  }
}
