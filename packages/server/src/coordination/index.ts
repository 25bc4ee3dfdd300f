/**
 * Coordination of several proxy instances behind one load balancer, through the Redis the app
 * already runs for its sessions (`coordination: { redis }`): connection and message limits per
 * user count across instances, `disconnectUser`/`disconnectSession` and sessions destroyed in the
 * store close sockets on every instance, and `proxy.stats().cluster` sums the instances. Each
 * instance keeps its one upstream link. When Redis is unreachable nothing waits for it: limits hold
 * per instance (logged once), and everything is written back when it returns.
 */
import type { RateMeter, UserBudget } from '../limits/limits.js'
import type { ProxyLog } from '../shared/log.js'
import { ClusterBus } from './cluster-bus.js'
import { ClusterConnections, type ClusterView } from './cluster-limits.js'
import { ClusterRate } from './cluster-rate.js'
import { RedisHealth } from './health.js'
import { coordinationKeys } from './keys.js'
import type { ResolvedCoordination } from './options.js'
import { createRedisAdapter } from './redis-adapter.js'
import { SessionKeyWatch } from './session-watch.js'

export { resolveCoordination, type CoordinationOptions, type ResolvedCoordination } from './options.js'
export { sessionDigest } from './cluster-bus.js'
export type { ClusterView, InstanceStats } from './cluster-limits.js'

/** What coordination asks of the proxy. */
export interface CoordinationHooks {
  /** This instance's open connections and distinct users. */
  localTotals(): { connections: number; users: number }
  /**
   * Another instance called `disconnectUser`: close this instance's sockets of the user opened until
   * `openedBy` (ms since the epoch; `Infinity`: all of them).
   */
  disconnectUser(userId: string, reason: string, openedBy: number): void
  /** Another instance called `disconnectSession` (the session id's digest, see {@link sessionDigest}). */
  disconnectSessionDigest(digest: string): void
  /** The session's key was deleted, expired or evicted in the Redis session store. */
  sessionGone(sessionId: string, event: string): void
}

/** The coordination of one proxy instance. */
export interface Coordination {
  readonly instanceId: string
  /** Counts one more connection of the user if the cluster is under `connectionsPerUser`; answers whether it did. */
  reserveConnection(userId: string): Promise<boolean>
  /** A connection counted by `reserveConnection` is gone. */
  releaseConnection(userId: string): void
  /** The user's message budget: this instance's meter, then the cluster's. */
  userBudget(userId: string, local: RateMeter): UserBudget
  /** Tells the other instances to close a user's sockets. */
  publishDisconnectUser(userId: string, reason: string): void
  /** Tells the other instances to close an app session's sockets. */
  publishDisconnectSession(sessionId: string): void
  /** The cluster as this instance sees it. */
  view(): ClusterView
  /** Stops the heartbeat, removes this instance's keys, closes the pub/sub connection. */
  close(): Promise<void>
}

/** What {@link startCoordination} needs besides the option. */
export interface CoordinationContext {
  connectionsPerUser: number
  userMessagesPerSecond: number
  log: ProxyLog
  hooks: CoordinationHooks
}

/**
 * Starts coordinating through Redis: subscribes, registers the instance, and starts its heartbeat.
 * Returns at once; nothing here ever blocks the app's start or waits for an unreachable Redis.
 *
 * @example
 * const coordination = startCoordination(resolveCoordination({ redis }, 'clawchat')!, {
 *   connectionsPerUser: 10, userMessagesPerSecond: 50, log, hooks,
 * })
 * if (!(await coordination.reserveConnection('u_42'))) refuse(429)
 */
export function startCoordination(options: ResolvedCoordination, ctx: CoordinationContext): Coordination {
  const { log, hooks } = ctx
  const { instanceId } = options
  const keys = coordinationKeys(options.prefix)
  const redis = createRedisAdapter(options.redis, options.commandTimeoutMs)
  let closed = false
  let timer: NodeJS.Timeout | null = null

  const onUp = () => {
    connections.markDirty()
    watch?.reset()
    void beat()
    bus.retryPending()
  }
  const health = new RedisHealth({ redis, log, onUp: () => onUp() })
  const connections = new ClusterConnections({
    redis,
    health,
    keys,
    instanceId,
    limit: ctx.connectionsPerUser,
    ttlMs: options.instanceTtlMs,
    log,
    localTotals: () => hooks.localTotals(),
  })
  const rate = new ClusterRate({ redis, health, keys, perSecond: ctx.userMessagesPerSecond })
  const subscriber = redis.createSubscriber((error) =>
    log.debug(
      `clawchat: coordination: the pub/sub connection: ${error instanceof Error ? error.message : String(error)}`,
    ),
  )
  const bus = new ClusterBus({
    redis,
    health,
    subscriber,
    channel: keys.control,
    logKey: keys.controlLog,
    instanceId,
    log,
    onUser: (userId, reason, openedBy) => hooks.disconnectUser(userId, reason, openedBy),
    onSession: (digest) => hooks.disconnectSessionDigest(digest),
  })
  bus.start()
  const watch =
    options.sessionKeyPrefix === false
      ? undefined
      : new SessionKeyWatch({
          redis,
          subscriber,
          keyPrefix: options.sessionKeyPrefix,
          log,
          onGone: (sid, event) => hooks.sessionGone(sid, event),
        })
  watch?.start()

  let beating: Promise<void> | null = null
  /**
   * One heartbeat (never two at once); then, while Redis is up, (re)enables keyspace notifications
   * until they are on, and reads the disconnects the pub/sub connection missed.
   */
  function beat(): Promise<void> {
    beating ??= connections
      .heartbeat()
      .then(() => (health.isUp ? Promise.all([watch?.enable(), bus.catchUp()]) : undefined))
      .then(() => undefined)
      .finally(() => {
        beating = null
      })
    return beating
  }
  function schedule(): void {
    if (closed) return
    timer = setTimeout(() => {
      void beat().finally(schedule)
    }, options.heartbeatMs)
    timer.unref?.()
  }

  log.info(
    `clawchat: coordination through Redis (${options.kind}) as instance ${instanceId}, keys "${options.prefix}*"`,
  )
  if (health.isUp) void beat()
  schedule()

  return {
    instanceId,
    reserveConnection: (userId) => connections.reserve(userId),
    releaseConnection: (userId) => connections.release(userId),
    userBudget: (userId, local) => rate.budget(userId, local),
    publishDisconnectUser: (userId, reason) => bus.publishUser(userId, reason),
    publishDisconnectSession: (sessionId) => bus.publishSession(sessionId),
    view: () => connections.view(),
    async close() {
      if (closed) return
      closed = true
      if (timer) clearTimeout(timer)
      health.stop()
      await beating
      await connections.unregister()
      await subscriber.close()
      redis.detach()
    },
  }
}
