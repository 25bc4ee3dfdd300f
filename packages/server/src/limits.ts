/**
 * Limits: their defaults, their validation, and the small meters that enforce them. Every limit
 * is an explicit option with a safe default (like `ws`'s `maxPayload`), and the values a browser
 * is held to are the ones `clawchat.session` reports.
 */
import type { ClawChatLimits } from '@clawchat/protocol'

/** The limits of the proxy: those a browser is told about, plus the tick interval. */
export interface ProxyLimits extends ClawChatLimits {
  /** Interval of the proxy's own `tick` events, in ms. */
  tickIntervalMs: number
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
})

const RULES: Record<keyof ProxyLimits, { min: number; zeroMeansNone?: boolean; what: string }> = {
  maxPayload: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  messagesPerSecond: { min: 1, what: 'an integer, at least 1' },
  userMessagesPerSecond: { min: 1, what: 'an integer, at least 1' },
  connectionsPerUser: { min: 1, what: 'an integer, at least 1' },
  outboundHighWaterMark: { min: 1024, what: 'an integer number of bytes, at least 1024' },
  maxLifetimeMs: { min: 1000, zeroMeansNone: true, what: 'an integer number of ms, at least 1000, or 0 for no limit' },
  tickIntervalMs: { min: 100, what: 'an integer number of ms, at least 100' },
}

/** Merges the option with the defaults; throws naming the bad option. */
export function resolveLimits(option: unknown, name = 'clawchatProxy'): ProxyLimits {
  if (option === undefined) return { ...DEFAULT_LIMITS }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`${name}: option "limits" must be an object, got ${JSON.stringify(option)}`)
  }
  const out: ProxyLimits = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(option as Record<string, unknown>)) {
    const rule = RULES[key as keyof ProxyLimits]
    if (!rule) throw new TypeError(`${name}: option "limits.${key}" is not a limit; known limits: ${Object.keys(RULES).join(', ')}`)
    if (value === undefined) continue
    const ok = typeof value === 'number' && Number.isSafeInteger(value) && (value >= rule.min || (rule.zeroMeansNone === true && value === 0))
    if (!ok) throw new TypeError(`${name}: option "limits.${key}" must be ${rule.what}, got ${JSON.stringify(value)}`)
    out[key as keyof ProxyLimits] = value as number
  }
  return out
}

/** What the browser is told (`clawchat.session.limits`). */
export function publicLimits(limits: ProxyLimits): ClawChatLimits {
  const { tickIntervalMs: _tick, ...rest } = limits
  return rest
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
    const now = this.now()
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)
  }
}
