/**
 * `limits.connectionsPerUser` across instances. Each instance keeps, in Redis, a hash of its open
 * connections per user (`conns:<instance>`) and a liveness key (`alive:<instance>`), both with a
 * TTL of five heartbeats: a crashed instance's counts expire with it. An upgrade asks one Lua script
 * to sum the user's connections over the live instances and, when under the limit, count the new
 * one — atomically, so two instances admitting the same user at once cannot both pass the limit.
 *
 * The instance's own counts are also kept here ({@link ClusterConnections.held}, which includes
 * upgrades still in progress): they enforce the limit per instance while Redis is down, and they are
 * written back whole (a resync) after any write that may have been lost, once Redis is back.
 */
import type { ProxyLog } from '../common/log.js'
import type { RedisHealth } from './health.js'
import type { CoordinationKeys } from './keys.js'
import { luaScript, type RedisAdapter } from './redis-adapter.js'

// The Lua below builds other instances' keys as prefix .. 'alive:' .. id and prefix .. 'conns:' .. id,
// exactly as keys.ts does.

/**
 * KEYS: instances, own conns, own alive. ARGV: instance id, user id, limit, ttl ms, prefix.
 * Answers {admitted 0/1, count}.
 */
const RESERVE = luaScript(`
local id, user, limit, ttl, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('SET', KEYS[3], '1', 'PX', ttl)
if redis.call('HEXISTS', KEYS[1], id) == 0 then redis.call('HSET', KEYS[1], id, '{}') end
redis.call('PEXPIRE', KEYS[1], ttl)
local total = 0
for _, other in ipairs(redis.call('HKEYS', KEYS[1])) do
  if redis.call('EXISTS', prefix .. 'alive:' .. other) == 1 then
    total = total + tonumber(redis.call('HGET', prefix .. 'conns:' .. other, user) or '0')
  end
end
if total >= limit then return {0, total} end
redis.call('HINCRBY', KEYS[2], user, 1)
redis.call('PEXPIRE', KEYS[2], ttl)
return {1, total + 1}
`)

/** KEYS: own conns. ARGV: user id. */
const RELEASE = luaScript(`
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n
`)

/**
 * KEYS: instances, own conns, own alive. ARGV: instance id, ttl ms, own stats JSON, prefix, resync
 * flag, then user/count pairs (with resync 1: the whole own hash is rewritten from them). Answers
 * the live instances as a flat [id, stats JSON, …] list, pruning dead ones.
 */
const HEARTBEAT = luaScript(`
local id, ttl, prefix = ARGV[1], ARGV[2], ARGV[4]
redis.call('SET', KEYS[3], '1', 'PX', ttl)
if ARGV[5] == '1' then
  redis.call('DEL', KEYS[2])
  for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local other = all[i]
  if redis.call('EXISTS', prefix .. 'alive:' .. other) == 1 then
    out[#out + 1] = other
    out[#out + 1] = all[i + 1]
  else
    redis.call('HDEL', KEYS[1], other)
    redis.call('DEL', prefix .. 'conns:' .. other)
  end
end
return out
`)

/** KEYS: instances, own conns, own alive. ARGV: instance id. */
const UNREGISTER = luaScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`)

/** One instance's connection counts, as `proxy.stats().cluster.instances` lists them. */
export interface InstanceStats {
  id: string
  connections: number
  users: number
}

/**
 * The whole cluster as this instance last saw it: `proxy.stats().cluster`.
 *
 * @example
 * const { cluster } = proxy.stats()
 * if (cluster) console.log(`${cluster.connections} sockets on ${cluster.instances.length} instances`, cluster.redis)
 * // { instanceId: 'web-1', redis: 'up', connections: 1000, asOf: 1795537891598,
 * //   instances: [{ id: 'web-1', connections: 500, users: 50 }, { id: 'web-2', connections: 500, users: 50 }] }
 */
export interface ClusterView {
  /** This instance's id. */
  instanceId: string
  /** Whether Redis is usable now (`down`: limits hold per instance). */
  redis: 'up' | 'down'
  /** Every live instance, this one first (its numbers are current; the others' are from `asOf`). */
  instances: InstanceStats[]
  /** Open connections over all live instances. */
  connections: number
  /** When the other instances' numbers were read (ms since the epoch); `undefined` before the first heartbeat. */
  asOf: number | undefined
}

/** Options of {@link ClusterConnections}. */
export interface ClusterConnectionsOptions {
  redis: RedisAdapter
  health: RedisHealth
  keys: CoordinationKeys
  instanceId: string
  /** `limits.connectionsPerUser`. */
  limit: number
  /** How long an instance's keys outlive its last heartbeat, ms. */
  ttlMs: number
  log: ProxyLog
  /** This instance's open connections and users (for the stats). */
  localTotals(): { connections: number; users: number }
}

/** A full resync every this many heartbeats, whatever happened: any drift lasts at most that long. */
const RESYNC_EVERY = 15

function parseInstances(reply: unknown, self: string): InstanceStats[] {
  if (!Array.isArray(reply)) return []
  const out: InstanceStats[] = []
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const id = String(reply[i])
    if (id === self) continue
    let stats: { connections?: unknown; users?: unknown } = {}
    try {
      stats = JSON.parse(String(reply[i + 1])) as typeof stats
    } catch {
      // an entry being written: counts as empty
    }
    out.push({ id, connections: Number(stats.connections) || 0, users: Number(stats.users) || 0 })
  }
  return out
}

/**
 * Cluster-wide connection counting.
 *
 * @example
 * const conns = new ClusterConnections({ redis, health, keys, instanceId, limit: 10, ttlMs: 10_000, log, localTotals })
 * if (!(await conns.reserve('u_42'))) refuse(429)
 * // when that socket closes:
 * conns.release('u_42')
 */
export class ClusterConnections {
  /** Connections this instance holds per user, upgrades in progress included. */
  private readonly held = new Map<string, number>()
  private dirty = true
  private inflight = 0
  private beats = 0
  private others: InstanceStats[] = []
  private asOf: number | undefined

  constructor(private readonly opts: ClusterConnectionsOptions) {}

  /**
   * Counts one more connection of `userId` if the cluster (or, while Redis is down, this instance)
   * is under the limit; answers whether it was counted. Release it with {@link release}.
   */
  async reserve(userId: string): Promise<boolean> {
    if ((this.held.get(userId) ?? 0) >= this.opts.limit) return false
    this.hold(userId, 1) // before the round trip, so that a resync meanwhile includes it
    if (!this.opts.health.isUp) {
      this.dirty = true
      return true
    }
    const { keys, instanceId } = this.opts
    this.inflight += 1
    try {
      const reply = await this.opts.redis.script(
        RESERVE,
        [keys.instances, keys.conns(instanceId), keys.alive(instanceId)],
        [instanceId, userId, this.opts.limit, this.opts.ttlMs, keys.prefix],
      )
      this.opts.health.succeeded()
      if (Array.isArray(reply) && Number(reply[0]) === 1) return true
      this.hold(userId, -1)
      return false
    } catch (error) {
      // Redis failed mid-way: the per-instance limit (checked above) decides; resync when it is back.
      this.opts.health.failed(error)
      this.dirty = true
      return true
    } finally {
      this.inflight -= 1
    }
  }

  /** A connection counted by {@link reserve} is gone. */
  release(userId: string): void {
    this.hold(userId, -1)
    if (!this.opts.health.isUp) {
      this.dirty = true
      return
    }
    this.inflight += 1
    this.opts.redis
      .script(RELEASE, [this.opts.keys.conns(this.opts.instanceId)], [userId])
      .then(
        () => this.opts.health.succeeded(),
        (error: unknown) => {
          this.opts.health.failed(error)
          this.dirty = true
        },
      )
      .finally(() => {
        this.inflight -= 1
      })
  }

  /** After an outage: rewrite this instance's counts at the next heartbeat. */
  markDirty(): void {
    this.dirty = true
  }

  /**
   * Refreshes this instance's keys (rewriting its counts when they may be off), prunes dead
   * instances and reads the others' numbers. Also the probe that notices Redis is back.
   */
  async heartbeat(): Promise<void> {
    if (!this.opts.redis.isReady()) return
    this.beats += 1
    if (this.beats % RESYNC_EVERY === 0) this.dirty = true
    const resync = this.dirty && this.inflight === 0
    if (resync) this.dirty = false
    const pairs = resync ? [...this.held].flatMap(([user, n]) => [user, String(n)]) : []
    const { keys, instanceId } = this.opts
    try {
      const reply = await this.opts.redis.script(
        HEARTBEAT,
        [keys.instances, keys.conns(instanceId), keys.alive(instanceId)],
        [
          instanceId,
          this.opts.ttlMs,
          JSON.stringify(this.opts.localTotals()),
          keys.prefix,
          resync ? '1' : '0',
          ...pairs,
        ],
      )
      this.opts.health.succeeded()
      this.others = parseInstances(reply, instanceId)
      this.asOf = Date.now()
    } catch (error) {
      if (resync) this.dirty = true
      this.opts.health.failed(error)
    }
  }

  /** The cluster as last seen, with this instance's current numbers. */
  view(): ClusterView {
    const self: InstanceStats = { id: this.opts.instanceId, ...this.opts.localTotals() }
    const instances = [self, ...this.others]
    return {
      instanceId: this.opts.instanceId,
      redis: this.opts.health.isUp ? 'up' : 'down',
      instances,
      connections: instances.reduce((sum, i) => sum + i.connections, 0),
      asOf: this.asOf,
    }
  }

  /** Removes this instance's keys (a clean shutdown); a crashed one's expire on their own. */
  async unregister(): Promise<void> {
    if (!this.opts.redis.isReady()) return
    const { keys, instanceId } = this.opts
    await this.opts.redis
      .script(UNREGISTER, [keys.instances, keys.conns(instanceId), keys.alive(instanceId)], [instanceId])
      .catch(() => undefined)
  }

  private hold(userId: string, delta: number): void {
    const n = (this.held.get(userId) ?? 0) + delta
    if (n > 0) this.held.set(userId, n)
    else this.held.delete(userId)
  }
}
