/**
 * Limits: their defaults and their validation (the meters that enforce the message rates are in
 * `rate-meters.ts`). Every limit is an explicit option with a safe default (like `ws`'s
 * `maxPayload`), and the values a browser is held to are the ones `clawchat.session` reports.
 */
import type { ClawChatLimits } from '@clawchat/protocol'

export { RateMeter, UserMeters, takeBoth, type RateScope, type RateVerdict, type UserBudget } from './rate-meters.js'

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
