/**
 * `limits.userMessagesPerSecond` across instances: a counter per user in Redis that opens a
 * one-second window with the user's first message (INCR + PEXPIRE, in one Lua script that counts
 * only messages it lets through — a refused one uses up nothing, as on one instance). Each
 * instance also keeps the user's local token bucket, so the per-instance limit holds whatever
 * Redis says, and alone while Redis is down. Windows start on Redis, so clocks of the instances
 * do not matter.
 */
import type { RateMeter, UserBudget } from '../limits/rate-meters.js'
import type { RedisHealth } from './health.js'
import type { CoordinationKeys } from './keys.js'
import { luaScript, type RedisAdapter } from './redis-adapter.js'

/** KEYS: the user's counter. ARGV: limit, window ms. Answers 0 (counted) or the ms until the window ends. */
const TAKE = luaScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return ttl
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

/** The window of the cluster-wide counter, ms. */
export const RATE_WINDOW_MS = 1000

/** Options of {@link ClusterRate}. */
export interface ClusterRateOptions {
  redis: RedisAdapter
  health: RedisHealth
  keys: CoordinationKeys
  /** `limits.userMessagesPerSecond`. */
  perSecond: number
}

/**
 * Per-user message budgets shared by every instance.
 *
 * @example
 * const rate = new ClusterRate({ redis, health, keys, perSecond: 50 })
 * const budget = rate.budget('u_42', userMeters.for('u_42'))
 * const wait = await budget.take() // 0: go; else retry after that many ms
 */
export class ClusterRate {
  constructor(private readonly opts: ClusterRateOptions) {}

  /** The user's budget: the local meter first, then (while Redis is up) the cluster's counter. */
  budget(userId: string, local: RateMeter): UserBudget {
    return { take: () => this.take(userId, local) }
  }

  private take(userId: string, local: RateMeter): number | Promise<number> {
    const wait = local.take()
    if (wait > 0 || !this.opts.health.isUp) return wait
    return this.opts.redis.script(TAKE, [this.opts.keys.rate(userId)], [this.opts.perSecond, RATE_WINDOW_MS]).then(
      (reply) => {
        this.opts.health.succeeded()
        const clusterWait = Number(reply)
        if (!(clusterWait > 0)) return 0
        local.refund()
        return clusterWait
      },
      (error: unknown) => {
        // Redis failed: the local meter (already taken) is the limit for now.
        this.opts.health.failed(error)
        return 0
      },
    )
  }
}
