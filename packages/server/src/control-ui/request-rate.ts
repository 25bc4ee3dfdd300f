/**
 * `controlUi.limits.requestsPerMinute`, per console socket: the relay's token bucket holding a
 * minute's worth of requests (the UI's start-up burst fits), refilled continuously.
 */
import { RateMeter } from '../limits/rate-meters.js'

/**
 * One console socket's request budget.
 *
 * @example
 * const rate = perMinuteMeter(1200)
 * const wait = rate.take() // 0: go ahead; otherwise ms until a request fits
 */
export function perMinuteMeter(perMinute: number, now: () => number = Date.now): RateMeter {
  return new RateMeter(perMinute / 60, now, perMinute)
}
