/**
 * `disconnectUser` and `disconnectSession` on every instance: the instance where they are called
 * closes its own sockets at once and publishes the request on the `control` channel; every other
 * instance closes its sockets of that user or session when the message arrives (a few ms). App
 * session ids are credentials: they travel only as SHA-256 digests.
 *
 * Pub/sub forgets what a disconnected subscriber missed, so each request is also kept for a minute
 * in a sorted set (`control-log`), written with the PUBLISH in one script: an instance whose pub/sub
 * connection comes back reads what it missed. A request that cannot be published at all (Redis down)
 * is kept by its instance and sent when Redis is back. Each request has an id (applied once per
 * instance) and a time: a copy that arrives late (more than 5 s after) closes only the user's
 * sockets opened before it (with a second's allowance for the instances' clocks), not those a user
 * opened since.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { ProxyLog } from '../common/log.js'
import type { RedisHealth } from './health.js'
import { luaScript, type RedisAdapter, type RedisSubscriber } from './redis-adapter.js'

/** How long a request is kept, for a retry or for an instance catching up, ms. */
export const RETRY_WINDOW_MS = 60_000
/** At most this many unpublished requests are kept per instance (the oldest go first). */
const MAX_PENDING = 1000
/** Longest user id, reason or digest accepted from the channel. */
const MAX_FIELD = 1024
/** A request older than this when it arrives is late. */
const LATE_MS = 5000
/** How far apart the instances' clocks may be, ms. */
const CLOCK_ALLOWANCE_MS = 1000

/** KEYS: the log. ARGV: channel, message, its time (ms), how long to keep entries (ms). */
const LOG_AND_PUBLISH = luaScript(`
local at = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], at, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', at - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('PUBLISH', ARGV[1], ARGV[2])
`)

/** The digest of an app session id, as it travels between instances. */
export function sessionDigest(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url')
}

type Request = { kind: 'user'; user: string; reason: string } | { kind: 'session'; session: string }
/** A message on the control channel: a request, with its id, time and sender. */
type BusMessage = { v: 1; id: string; at: number; from: string } & Request

function parse(text: string): BusMessage | null {
  let m: Record<string, unknown>
  try {
    m = JSON.parse(text) as Record<string, unknown>
  } catch {
    return null
  }
  if (
    typeof m !== 'object' ||
    m === null ||
    m.v !== 1 ||
    typeof m.from !== 'string' ||
    typeof m.id !== 'string' ||
    typeof m.at !== 'number'
  )
    return null
  const head = { v: 1 as const, id: m.id, at: m.at, from: m.from }
  const short = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD
  if (m.kind === 'user' && short(m.user) && typeof m.reason === 'string' && m.reason.length <= MAX_FIELD)
    return { ...head, kind: 'user', user: m.user, reason: m.reason }
  if (m.kind === 'session' && short(m.session)) return { ...head, kind: 'session', session: m.session }
  return null
}

/** Options of {@link ClusterBus}. */
export interface ClusterBusOptions {
  redis: RedisAdapter
  health: RedisHealth
  subscriber: RedisSubscriber
  channel: string
  /** The sorted set that keeps the last minute of requests. */
  logKey: string
  instanceId: string
  log: ProxyLog
  /**
   * Another instance disconnected a user: close their sockets opened until `openedBy` (ms since the
   * epoch; `Infinity` when the request arrived promptly: all of them).
   */
  onUser(userId: string, reason: string, openedBy: number): void
  /** Another instance disconnected a session (its digest, see {@link sessionDigest}). */
  onSession(digest: string): void
}

/**
 * The control channel between instances.
 *
 * @example
 * const bus = new ClusterBus({
 *   redis, health, subscriber, channel: keys.control, logKey: keys.controlLog, instanceId, log, onUser, onSession,
 * })
 * bus.start()
 * bus.publishUser('u_42', 'account disabled')
 */
export class ClusterBus {
  private pending: Array<{ text: string; at: number }> = []
  private warned = false
  /** Ids of the requests applied here (or sent from here), with when they were seen. */
  private readonly seen = new Map<string, number>()
  private readies = 0
  /** The pub/sub connection came back: what it missed is still to be read. */
  private missed = false

  constructor(private readonly opts: ClusterBusOptions) {}

  /** Subscribes to the channel; reads what it missed each time the pub/sub connection comes back. */
  start(): void {
    this.opts.subscriber.onReady(() => {
      this.readies += 1
      if (this.readies === 1) return
      this.missed = true
      void this.catchUp()
    })
    this.opts.subscriber
      .subscribe(this.opts.channel, (text) => this.receive(text))
      .catch((error: unknown) => {
        this.opts.log.warn(
          `clawchat: coordination: could not subscribe to the control channel (${String(error)}); disconnects` +
            ' from other instances arrive only through the session check',
        )
      })
  }

  /** Asks every other instance to close a user's sockets (those opened until now). */
  publishUser(userId: string, reason: string): void {
    this.publish({ kind: 'user', user: userId, reason })
  }

  /** Asks every other instance to close the sockets opened with an app session. */
  publishSession(sessionId: string): void {
    this.publish({ kind: 'session', session: sessionDigest(sessionId) })
  }

  /** Redis is back: sends the requests it could not (those younger than {@link RETRY_WINDOW_MS}). */
  retryPending(): void {
    const now = Date.now()
    const due = this.pending.filter((p) => now - p.at < RETRY_WINDOW_MS)
    this.pending = []
    this.warned = false
    for (const p of due) this.send(p.text, p.at)
  }

  private publish(request: Request): void {
    const message: BusMessage = { v: 1, id: randomUUID(), at: Date.now(), from: this.opts.instanceId, ...request }
    this.send(JSON.stringify(message), message.at)
  }

  private send(text: string, at: number): void {
    if (!this.opts.health.isUp) {
      this.keep(text, at)
      return
    }
    this.opts.redis.script(LOG_AND_PUBLISH, [this.opts.logKey], [this.opts.channel, text, at, RETRY_WINDOW_MS]).then(
      () => this.opts.health.succeeded(),
      (error: unknown) => {
        this.opts.health.failed(error)
        this.keep(text, at)
      },
    )
  }

  private keep(text: string, at: number): void {
    this.pending.push({ text, at })
    if (this.pending.length > MAX_PENDING) this.pending.shift()
    if (!this.warned) {
      this.warned = true
      this.opts.log.warn(
        'clawchat: coordination: a disconnect could not reach the other instances (Redis is down); it is' +
          ' sent when Redis is back (within a minute), and their session checks close logged-out sessions meanwhile',
      )
    }
  }

  /**
   * After the pub/sub connection came back: applies what was logged in the last minute and not
   * seen here yet. Called again (at each heartbeat) until the read succeeds.
   */
  async catchUp(): Promise<void> {
    if (!this.missed || !this.opts.health.isUp) return
    try {
      const entries = await this.opts.redis.command([
        'ZRANGEBYSCORE',
        this.opts.logKey,
        String(Date.now() - RETRY_WINDOW_MS),
        '+inf',
      ])
      this.missed = false
      if (Array.isArray(entries)) for (const text of entries) this.receive(String(text))
    } catch {
      // Redis went away again: tried at the next heartbeat.
    }
  }

  private receive(text: string): void {
    const message = parse(text)
    if (!message || message.from === this.opts.instanceId || this.seen.has(message.id)) return
    const now = Date.now()
    this.seen.set(message.id, now)
    for (const [id, at] of this.seen) {
      if (now - at <= 2 * RETRY_WINDOW_MS) break
      this.seen.delete(id)
    }
    try {
      if (message.kind === 'user')
        this.opts.onUser(
          message.user,
          message.reason,
          now - message.at > LATE_MS ? message.at + CLOCK_ALLOWANCE_MS : Infinity,
        )
      else this.opts.onSession(message.session)
    } catch (error) {
      this.opts.log.error(
        `clawchat: coordination: handling a disconnect from another instance failed: ${String(error)}`,
      )
    }
  }
}
