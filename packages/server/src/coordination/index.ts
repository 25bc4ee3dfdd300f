/**
 * Coordination of several proxy instances behind one load balancer, through the Redis the app
 * already runs for its sessions (`coordination: { redis }`): connection and message limits per
 * user count across instances, `disconnectUser`/`disconnectSession` and sessions destroyed in the
 * store close sockets on every instance, and `proxy.stats().cluster` sums the instances. Each
 * instance keeps its one upstream link; the live `tool` events only the sending link receives are
 * forwarded to the other instances (`tool-events.ts`). When Redis is unreachable nothing waits for
 * it: limits hold per instance (logged once), and everything is written back when it returns.
 */
import type { RateMeter, UserBudget } from '../limits/rate-meters.js'
import type { ProxyLog } from '../common/log.js'
import type { Json } from '../common/records.js'
import { ClusterBus, type ClusterBusOptions } from './cluster-bus.js'
import { ClusterConnections, type ClusterView } from './cluster-limits.js'
import { ClusterRate } from './cluster-rate.js'
import { RedisHealth } from './health.js'
import { CoordinationHeartbeat } from './heartbeat.js'
import { coordinationKeys } from './keys.js'
import type { ResolvedCoordination } from './options.js'
import { createRedisAdapter } from './redis-adapter.js'
import { SessionKeyWatch, type SessionKeyWatchOptions } from './session-watch.js'
import { ToolEventBus } from './tool-events.js'

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
  /** Another instance received a live `tool` event of `userId`'s run (as that user sees it). */
  toolEvent?(userId: string, payload: Json): void
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
  /** Sends a live `tool` event of `userId`'s run (as that user sees it) to the other instances. */
  publishToolEvent(userId: string, payload: Json): void
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
  /** The redaction of the gateway token, for what goes to Redis (default: none). */
  redact?: (text: string) => string
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The control channel, subscribed. */
function startBus(parts: Omit<ClusterBusOptions, 'onUser' | 'onSession'>, hooks: CoordinationHooks): ClusterBus {
  const bus = new ClusterBus({
    ...parts,
    onUser: (userId, reason, openedBy) => hooks.disconnectUser(userId, reason, openedBy),
    onSession: (digest) => hooks.disconnectSessionDigest(digest),
  })
  bus.start()
  return bus
}

/** The watch of the session store's keys, started; none with `sessionKeyPrefix: false`. */
function startSessionWatch(
  options: ResolvedCoordination,
  parts: Pick<SessionKeyWatchOptions, 'redis' | 'subscriber' | 'log'>,
  hooks: CoordinationHooks,
): SessionKeyWatch | undefined {
  if (options.sessionKeyPrefix === false) return undefined
  const watch = new SessionKeyWatch({
    ...parts,
    keyPrefix: options.sessionKeyPrefix,
    onGone: (sid, event) => hooks.sessionGone(sid, event),
  })
  watch.start()
  return watch
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
  const health = new RedisHealth({ redis, log, onUp: () => onUp() })
  const connections = new ClusterConnections({
    redis,
    health,
    keys,
    instanceId,
    log,
    limit: ctx.connectionsPerUser,
    ttlMs: options.instanceTtlMs,
    localTotals: () => hooks.localTotals(),
  })
  const rate = new ClusterRate({ redis, health, keys, perSecond: ctx.userMessagesPerSecond })
  const subscriber = redis.createSubscriber((error) =>
    log.debug(`clawchat: coordination: the pub/sub connection: ${errorText(error)}`),
  )
  const channel = { channel: keys.control, logKey: keys.controlLog, instanceId }
  const bus = startBus({ redis, health, subscriber, log, ...channel }, hooks)
  const watch = startSessionWatch(options, { redis, subscriber, log }, hooks)
  const tools = new ToolEventBus({
    ...{ redis, health, subscriber, channel: keys.toolEvents, instanceId, log },
    redact: ctx.redact ?? ((text) => text),
    onEvent: (userId, payload) => hooks.toolEvent?.(userId, payload),
  })
  tools.start()
  const heartbeat = new CoordinationHeartbeat({ intervalMs: options.heartbeatMs, connections, health, bus, watch })
  function onUp(): void {
    connections.markDirty()
    watch?.reset()
    void heartbeat.beat()
    bus.retryPending()
  }

  log.info(
    `clawchat: coordination through Redis (${options.kind}) as instance ${instanceId}, keys "${options.prefix}*"`,
  )
  heartbeat.start()
  let closed = false
  return {
    instanceId,
    reserveConnection: (userId) => connections.reserve(userId),
    releaseConnection: (userId) => connections.release(userId),
    userBudget: (userId, local) => rate.budget(userId, local),
    publishDisconnectUser: (userId, reason) => bus.publishUser(userId, reason),
    publishDisconnectSession: (sessionId) => bus.publishSession(sessionId),
    publishToolEvent: (userId, payload) => tools.publish(userId, payload),
    view: () => connections.view(),
    async close() {
      if (closed) return
      closed = true
      health.stop()
      await heartbeat.stop()
      await connections.unregister()
      await subscriber.close()
      redis.detach()
    },
  }
}
