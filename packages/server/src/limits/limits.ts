/**
 * Limits: their defaults, their validation, and the small meters that enforce them. Every limit
 * is an explicit option with a safe default (like `ws`'s `maxPayload`), and the values a browser
 * is held to are the ones `clawchat.session` reports.
 */
import type { ClawChatLimits } from '@clawchat/protocol'

/** The limits of the proxy: those a browser is told about, plus the proxy's own timers. */
export interface ProxyLimits extends ClawChatLimits {
  /** Interval of the proxy's own `tick` events, in ms. */
  tickIntervalMs: number
  /** Interval of WebSocket pings; a socket that has not answered the previous ping is terminated. 0: no pings. */
  pingIntervalMs: number
  /** A socket that neither sends `connect` nor a request within this time is closed with 1008. 0: no limit. */
  handshakeTimeoutMs: number
  /**
   * Bytes one user's requests may hold toward the gateway (relayed, not yet answered); a request
   * that would pass it gets `RATE_LIMITED` (retryable). At least `maxPayload`.
   */
  upstreamBytesPerUser: number
  /**
   * Bytes all requests together may hold toward the gateway, counting what still waits on the
   * link's socket; a request that would pass it gets `UNAVAILABLE` (retryable). At least `upstreamBytesPerUser`.
   */
  upstreamBytesTotal: number
  /** Messages one `chat.history` answer carries at most (the browser's `limit`, 1 to this; older ones: `offset`). */
  historyMaxMessages: number
  /**
   * Characters of each text a `chat.history` answer keeps at most (the browser's `maxChars`, 1 to
   * this; 8000 when not given).
   */
  historyMaxChars: number
  /** Bytes (JSON) of the messages of one `chat.history` answer at most: older messages are left for the next page. */
  historyMaxBytes: number
  /** Sessions one `sessions.list` answer carries at most (the browser's `limit`, 1 to this; 100 when not given). */
  sessionsListMaxRows: number
  /**
   * Different `chat.send` keys one user may send upstream within 5 minutes (the gateway's dedupe
   * window, 1,000 keys for everybody): more get `RATE_LIMITED` (retryable). 0: no limit. See `run-budget.ts`.
   */
  userChatSendsPer5Min: number
}

/** Limits as the `limits` option takes them: any subset. */
export type LimitsOption = Partial<ProxyLimits>

/** The defaults of every limit. */
export const DEFAULT_LIMITS: Readonly<ProxyLimits> = Object.freeze({
  maxPayload: 1024 * 1024,
  messagesPerSecond: 20,
  userMessagesPerSecond: 50,
  connectionsPerUser: 10,
  outboundHighWaterMark: 8 * 1024 * 1024,
  maxLifetimeMs: 0,
  tickIntervalMs: 30_000,
  pingIntervalMs: 30_000,
  handshakeTimeoutMs: 15_000,
  upstreamBytesPerUser: 4 * 1024 * 1024,
  upstreamBytesTotal: 64 * 1024 * 1024,
  historyMaxMessages: 200,
  historyMaxChars: 32_000,
  historyMaxBytes: 1024 * 1024,
  sessionsListMaxRows: 200,
  userChatSendsPer5Min: 100,
})

const RULES: Record<keyof ProxyLimits, { min: number; max?: number; zeroMeansNone?: boolean; what: string }> = {
  maxPayload: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  messagesPerSecond: { min: 1, what: 'an integer, at least 1' },
  userMessagesPerSecond: { min: 1, what: 'an integer, at least 1' },
  connectionsPerUser: { min: 1, what: 'an integer, at least 1' },
  outboundHighWaterMark: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  maxLifetimeMs: { min: 1000, zeroMeansNone: true, what: 'an integer number of ms, at least 1000, or 0 for no limit' },
  tickIntervalMs: { min: 100, what: 'an integer number of ms, at least 100' },
  pingIntervalMs: { min: 100, zeroMeansNone: true, what: 'an integer number of ms, at least 100, or 0 for no pings' },
  handshakeTimeoutMs: {
    min: 100,
    zeroMeansNone: true,
    what: 'an integer number of ms, at least 100, or 0 for no limit',
  },
  upstreamBytesPerUser: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  upstreamBytesTotal: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  // The gateway's own bounds: chat.history takes limit ≤ 1000 and maxChars ≤ 500000, and sends
  // at most 6 MiB of messages whatever it is asked.
  historyMaxMessages: { min: 1, max: 1000, what: 'an integer from 1 to 1000' },
  historyMaxChars: { min: 1, max: 500_000, what: 'an integer from 1 to 500000' },
  historyMaxBytes: {
    min: 16 * 1024,
    max: 6 * 1024 * 1024,
    what: 'an integer number of bytes from 16384 to 6291456 (6 MiB)',
  },
  sessionsListMaxRows: { min: 1, max: 1000, what: 'an integer from 1 to 1000' },
  userChatSendsPer5Min: {
    min: 1,
    max: 1000,
    zeroMeansNone: true,
    what: 'an integer from 1 to 1000 (the gateway keeps 1000 keys for everybody), or 0 for no limit',
  },
}

/** The limits a browser is told about (`ClawChatLimits`), in the order of the contract. */
const PUBLIC_KEYS = [
  'maxPayload',
  'messagesPerSecond',
  'userMessagesPerSecond',
  'connectionsPerUser',
  'outboundHighWaterMark',
  'maxLifetimeMs',
] as const satisfies readonly (keyof ClawChatLimits)[]

/** Merges the option with the defaults; throws naming the bad option. */
export function resolveLimits(option: unknown, name = 'clawchatProxy'): ProxyLimits {
  if (option === undefined) return { ...DEFAULT_LIMITS }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`${name}: option "limits" must be an object, got ${JSON.stringify(option)}`)
  }
  const out: ProxyLimits = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(option as Record<string, unknown>)) {
    if (!Object.hasOwn(RULES, key))
      throw new TypeError(
        `${name}: option "limits.${key}" is not a limit; known limits: ${Object.keys(RULES).join(', ')}`,
      )
    const rule = RULES[key as keyof ProxyLimits]
    if (value === undefined) continue
    const ok =
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      ((value >= rule.min && (rule.max === undefined || value <= rule.max)) ||
        (rule.zeroMeansNone === true && value === 0))
    if (!ok) throw new TypeError(`${name}: option "limits.${key}" must be ${rule.what}, got ${JSON.stringify(value)}`)
    out[key as keyof ProxyLimits] = value as number
  }
  resolveUpstreamBytes(out, option as Partial<Record<keyof ProxyLimits, unknown>>, name)
  return out
}

/**
 * The upstream bounds must fit one largest frame (else such a request could never go): unset,
 * they grow with `maxPayload`; set too small, the option is named.
 */
function resolveUpstreamBytes(
  out: ProxyLimits,
  given: Partial<Record<keyof ProxyLimits, unknown>>,
  name: string,
): void {
  if (given.upstreamBytesPerUser === undefined)
    out.upstreamBytesPerUser = Math.max(out.upstreamBytesPerUser, out.maxPayload)
  else if (out.upstreamBytesPerUser < out.maxPayload) {
    throw new TypeError(
      `${name}: option "limits.upstreamBytesPerUser" must be at least limits.maxPayload (${out.maxPayload})` +
        ` so that one largest frame can go, got ${out.upstreamBytesPerUser}`,
    )
  }
  if (given.upstreamBytesTotal === undefined)
    out.upstreamBytesTotal = Math.max(out.upstreamBytesTotal, out.upstreamBytesPerUser)
  else if (out.upstreamBytesTotal < out.upstreamBytesPerUser) {
    throw new TypeError(
      `${name}: option "limits.upstreamBytesTotal" must be at least limits.upstreamBytesPerUser` +
        ` (${out.upstreamBytesPerUser}), got ${out.upstreamBytesTotal}`,
    )
  }
}

/** What the browser is told (`clawchat.session.limits`): the contract's limits, not the proxy's timers. */
export function publicLimits(limits: ProxyLimits): ClawChatLimits {
  const out = {} as ClawChatLimits
  for (const key of PUBLIC_KEYS) out[key] = limits[key]
  return out
}

/**
 * A token bucket: `ratePerSecond` messages per second, bursts up to the same number.
 * `take()` answers 0 when a message may go, else how many ms until one may.
 *
 * @example
 * const meter = new RateMeter(20); if (meter.take() > 0) reject()
 */
export class RateMeter {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = ratePerSecond
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
    this.tokens = Math.min(this.ratePerSecond, this.tokens + 1)
  }

  /** True when the bucket is full again (nothing to remember about its owner). */
  get isFull(): boolean {
    this.refill()
    return this.tokens >= this.ratePerSecond
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.ratePerSecond, this.tokens + (Math.max(0, now - this.last) / 1000) * this.ratePerSecond)
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
