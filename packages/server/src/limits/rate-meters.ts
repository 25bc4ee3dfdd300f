/**
 * The meters that enforce `limits.messagesPerSecond` and `limits.userMessagesPerSecond`: a token
 * bucket per connection and per user, taken together so that a message refused by either uses up
 * neither; a user's budget may answer later when it is the cluster's (see `coordination`).
 */

/**
 * A token bucket: `ratePerSecond` messages per second, bursts up to `capacity` (default the same
 * number). `take()` answers 0 when a message may go, else how many ms until one may.
 *
 * @example
 * const meter = new RateMeter(20); if (meter.take() > 0) reject()
 * const perMinute = new RateMeter(1200 / 60, Date.now, 1200) // a minute's worth at once
 */
export class RateMeter {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly capacity: number = ratePerSecond,
  ) {
    this.tokens = capacity
    this.last = now()
  }

  take(): number {
    this.refill()
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)
  }

  /** Gives back a token taken by {@link RateMeter.take} for a message that did not go after all. */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1)
  }

  /** True when the bucket is full again (nothing to remember about its owner). */
  get isFull(): boolean {
    this.refill()
    return this.tokens >= this.capacity
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
  }
}

/** Which limit a refused message hit. */
export type RateScope = 'connection' | 'user'

/** What {@link takeBoth} decided: `null` when the message may go, else the scope it hit and the wait. */
export type RateVerdict = { scope: RateScope; retryAfterMs: number } | null

/**
 * A user's message budget, shared by all their connections: `take()` answers 0 when a message may
 * go, else the ms until one may — or a promise of that when the answer needs another process (the
 * cluster-wide budget in Redis, see `coordination`). A {@link RateMeter} is one.
 */
export interface UserBudget {
  take(): number | Promise<number>
}

/**
 * Takes one message from a connection's meter and its user's budget together: a message refused by
 * either uses up neither. Answers `null` when it may go, else the scope it hit and the wait; a
 * promise of that when the user's budget answers asynchronously (the connection's meter always
 * answers at once, so a connection over its own limit never waits for the user's).
 *
 * @example
 * const limited = takeBoth(connectionMeter, userMeter)
 * if (limited) answer(rateLimited(`retry in ${limited.retryAfterMs} ms`, limited.retryAfterMs))
 */
export function takeBoth(connection: RateMeter, user: RateMeter): RateVerdict
export function takeBoth(connection: RateMeter, user: UserBudget): RateVerdict | Promise<RateVerdict>
export function takeBoth(connection: RateMeter, user: UserBudget): RateVerdict | Promise<RateVerdict> {
  const connectionWait = connection.take()
  if (connectionWait > 0) return { scope: 'connection', retryAfterMs: connectionWait }
  const userWait = user.take()
  const verdict = (wait: number): RateVerdict => {
    if (wait <= 0) return null
    connection.refund()
    return { scope: 'user', retryAfterMs: wait }
  }
  return typeof userWait === 'number' ? verdict(userWait) : userWait.then(verdict)
}

/**
 * The per-user meters, shared by a user's connections. A user's meter outlives their last
 * connection until it has refilled, so reconnecting never buys a fresh budget.
 *
 * @example
 * const meters = new UserMeters(50, (id) => registry.countForUser(id) > 0)
 * const meter = meters.for('u_42')
 * // when the user's last connection closed:
 * meters.release('u_42')
 */
export class UserMeters {
  private readonly meters = new Map<string, RateMeter>()

  constructor(
    private readonly ratePerSecond: number,
    private readonly inUse: (userId: string) => boolean,
  ) {}

  /** The user's meter (made on first use). */
  for(userId: string): RateMeter {
    let meter = this.meters.get(userId)
    if (!meter) this.meters.set(userId, (meter = new RateMeter(this.ratePerSecond)))
    return meter
  }

  /** The user has no connection left: forget the meter once it is full again. */
  release(userId: string): void {
    setTimeout(() => {
      const meter = this.meters.get(userId)
      if (!meter || this.inUse(userId)) return
      if (meter.isFull) this.meters.delete(userId)
      else this.release(userId)
    }, 1000).unref?.()
  }

  /** How many users have a meter. */
  get size(): number {
    return this.meters.size
  }
}
