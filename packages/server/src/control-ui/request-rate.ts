/**
 * `controlUi.limits.requestsPerMinute`, per console socket: a token bucket that holds a minute's
 * worth of requests (the UI's start-up burst fits) and refills continuously.
 */

/**
 * One socket's request budget.
 *
 * @example
 * const rate = new RequestRate(1200)
 * const wait = rate.take() // 0: go ahead; otherwise ms until a request fits
 */
export class RequestRate {
  private tokens: number
  private last: number

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute
    this.last = now()
  }

  /** Takes one request: 0 when it fits, else the ms until one would. */
  take(): number {
    const now = this.now()
    const perMs = this.perMinute / 60_000
    this.tokens = Math.min(this.perMinute, this.tokens + (now - this.last) * perMs)
    this.last = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil((1 - this.tokens) / perMs)
  }
}
