/**
 * The `coordination` option of `clawchatProxy()`: its shape, its defaults, and its validation at
 * construction (an error naming the option, like every other option).
 */
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { detectRedisClient, type RedisKind } from './redis-adapter.js'

/**
 * Coordination of several proxy instances (app processes behind one load balancer) through Redis.
 *
 * @example
 * import { createClient } from 'redis'
 * const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * redis.on('error', (e) => console.warn('redis:', e.message))
 * await redis.connect()
 * const proxy = clawchatProxy({ gateway: { token }, session: sessionMiddleware, coordination: { redis } })
 */
export interface CoordinationOptions {
  /**
   * A connected node-redis (v4 or later, `createClient()`) or ioredis (`new Redis()`) client — the
   * one `connect-redis` uses is fine. The proxy sends its commands on it and makes one more
   * connection for pub/sub with its `duplicate()` (closed by `proxy.close()`).
   */
  redis: object
  /** Prefix of every key and channel. Default `clawchat:<namespace>:`. */
  prefix?: string
  /**
   * The session store's key prefix, for closing sockets of sessions destroyed or expired in Redis
   * at once (keyspace notifications). Default `sess:` (connect-redis's); `false`: do not watch.
   */
  sessionKeyPrefix?: string | false
  /** Stable name of this instance in `proxy.stats().cluster`. Default `<hostname>:<pid>:<random>`. */
  instanceId?: string
  /** How often the instance refreshes its keys in Redis, ms; they expire after 5 missed beats. Default 2000. */
  heartbeatMs?: number
  /** How long a Redis command may take before the instance falls back to per-instance limits, ms. Default 500. */
  commandTimeoutMs?: number
}

/** `coordination` after validation. */
export interface ResolvedCoordination {
  redis: object
  kind: RedisKind
  prefix: string
  sessionKeyPrefix: string | false
  instanceId: string
  heartbeatMs: number
  /** 5 × `heartbeatMs`: how long a silent instance's counts last. */
  instanceTtlMs: number
  commandTimeoutMs: number
}

/** The default `heartbeatMs`. */
export const DEFAULT_HEARTBEAT_MS = 2000
/** The default `commandTimeoutMs`. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500

const KEYS = ['redis', 'prefix', 'sessionKeyPrefix', 'instanceId', 'heartbeatMs', 'commandTimeoutMs']

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value)
  return typeof value === 'function' ? 'a function' : `a ${Array.isArray(value) ? 'array' : typeof value}`
}

function integer(name: string, option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(
      `${name}: option "coordination.${option}" must be an integer number of ms from ${min} to ${max},` +
        ` got ${shown(value)}`,
    )
  }
  return value
}

/** `<hostname>:<pid>:<random>`, within the characters an instance id may have. */
function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 60) || 'host'
  return `${host}:${process.pid}:${randomBytes(3).toString('hex')}`
}

/** Validates `coordination`; `undefined` when it is not given. Throws a `TypeError` naming the bad option. */
export function resolveCoordination(
  value: unknown,
  namespace: string,
  name = 'clawchatProxy',
): ResolvedCoordination | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name}: option "coordination" must be an object like { redis }, got ${shown(value)}`)
  }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!KEYS.includes(key))
      throw new TypeError(`${name}: unknown option "coordination.${key}"; known: ${KEYS.join(', ')}`)
  const detected = detectRedisClient(o.redis)
  if ('problem' in detected) {
    throw new TypeError(
      `${name}: option "coordination.redis" must be a node-redis or ioredis client (createClient() from` +
        ` "redis" v4+, or new Redis() from "ioredis"), got ${detected.problem}`,
    )
  }
  const prefix = o.prefix === undefined ? `clawchat:${namespace}:` : o.prefix
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 100 || /\s/.test(prefix)) {
    throw new TypeError(
      `${name}: option "coordination.prefix" must be 1 to 100 characters without spaces, like "clawchat:app:",` +
        ` got ${shown(prefix)}`,
    )
  }
  const sessionKeyPrefix = o.sessionKeyPrefix === undefined ? 'sess:' : o.sessionKeyPrefix
  if (
    sessionKeyPrefix !== false &&
    (typeof sessionKeyPrefix !== 'string' || sessionKeyPrefix.length === 0 || sessionKeyPrefix.length > 100)
  ) {
    throw new TypeError(
      `${name}: option "coordination.sessionKeyPrefix" must be the session store's key prefix (connect-redis:` +
        ` "sess:") or false, got ${shown(sessionKeyPrefix)}`,
    )
  }
  const instanceId = o.instanceId === undefined ? defaultInstanceId() : o.instanceId
  if (typeof instanceId !== 'string' || !/^[A-Za-z0-9._:-]{1,100}$/.test(instanceId)) {
    throw new TypeError(
      `${name}: option "coordination.instanceId" must be 1 to 100 characters of A-Z, a-z, 0-9, ".", "_",` +
        ` ":" and "-", got ${shown(instanceId)}`,
    )
  }
  const heartbeatMs = integer(name, 'heartbeatMs', o.heartbeatMs, DEFAULT_HEARTBEAT_MS, 100, 60_000)
  const commandTimeoutMs = integer(name, 'commandTimeoutMs', o.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, 10, 10_000)
  return {
    redis: o.redis as object,
    kind: detected.kind,
    prefix,
    sessionKeyPrefix,
    instanceId,
    heartbeatMs,
    instanceTtlMs: 5 * heartbeatMs,
    commandTimeoutMs,
  }
}
