/**
 * A session destroyed or expired in a shared Redis store (connect-redis keeps sessions under
 * `sess:<id>`) closes its sockets on every instance at once: Redis keyspace notifications for those
 * keys (`del`, `expired`, `evicted`) arrive on every instance's subscriber connection.
 *
 * Redis sends them only with `notify-keyspace-events` set, which the proxy tries to add (`K` plus
 * `g`, `x` and `e`, merged into what is set already) with `CONFIG SET`. Managed Redis services often
 * refuse `CONFIG`: then a warning says so, and the periodic session check (`sessionCheckIntervalMs`)
 * closes those sockets instead — unless the operator enabled the notifications in the service's own
 * settings, in which case they work anyway (the proxy subscribes regardless).
 */
import type { ProxyLog } from '../common/log.js'
import type { RedisAdapter, RedisSubscriber } from './redis-adapter.js'

/** The keyspace events that mean a session is gone. */
const GONE_EVENTS = new Set(['del', 'expired', 'evicted'])

/**
 * The `notify-keyspace-events` value that adds what the watch needs to `current`, or `null` when
 * `current` has it already.
 *
 * @example
 * keyspaceFlags('')      // 'Kgxe'
 * keyspaceFlags('Ex')    // 'ExKge'
 * keyspaceFlags('AK')    // null
 */
export function keyspaceFlags(current: string): string | null {
  const has = (flag: string) => current.includes(flag)
  const missing = (has('K') ? '' : 'K') + (has('A') ? '' : ['g', 'x', 'e'].filter((f) => !has(f)).join(''))
  return missing === '' ? null : current + missing
}

/** The value of `CONFIG GET notify-keyspace-events`, as node-redis (an object) or ioredis (a list) answers it. */
function configValue(reply: unknown): string {
  if (Array.isArray(reply)) return String(reply[1] ?? '')
  if (reply instanceof Map) return String(reply.get('notify-keyspace-events') ?? '')
  if (typeof reply === 'object' && reply !== null)
    return String((reply as Record<string, unknown>)['notify-keyspace-events'] ?? '')
  return ''
}

/** A glob pattern matching `text` literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * An error Redis itself answered for good (`ERR unknown command`, `NOPERM …`) — not a lost
 * connection, a timeout, or a Redis still loading its data (tried again later).
 */
function isRefusal(error: unknown): boolean {
  const message = errorMessage(error)
  if (/^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN) /.test(message)) return false
  return /^[A-Z]{2,}[A-Z_-]* /.test(message) || /unknown command|not allowed|permission/i.test(message)
}

/** Whether keyspace notifications are known to be on. */
export type KeyspaceState = 'pending' | 'on' | 'refused'

/** Options of {@link SessionKeyWatch}. */
export interface SessionKeyWatchOptions {
  redis: RedisAdapter
  subscriber: RedisSubscriber
  /** The session store's key prefix (connect-redis: `sess:`). */
  keyPrefix: string
  log: ProxyLog
  /** A session's key was deleted, expired or evicted. */
  onGone(sessionId: string, event: string): void
}

/**
 * Watches the session store's keys.
 *
 * @example
 * const watch = new SessionKeyWatch({ redis, subscriber, keyPrefix: 'sess:', log, onGone: (sid) => closeSession(sid) })
 * watch.start()
 * await watch.enable()             // at start, and at each heartbeat until it is on or refused
 * watch.reset()                    // Redis was away
 */
export class SessionKeyWatch {
  private current: KeyspaceState = 'pending'
  private warned = false

  constructor(private readonly opts: SessionKeyWatchOptions) {}

  /** Whether keyspace notifications are known to be on (`pending`: not checked since Redis was last back). */
  get state(): KeyspaceState {
    return this.current
  }

  /** Subscribes to the session keys' notifications (kept by the client across reconnects). */
  start(): void {
    this.opts.subscriber
      .pSubscribe(`__keyspace@*__:${globEscape(this.opts.keyPrefix)}*`, (event, channel) =>
        this.receive(event, channel),
      )
      .catch((error: unknown) => {
        this.opts.log.warn(
          `clawchat: coordination: could not subscribe to session key events (${String(error)}); the session` +
            ' check closes logged-out sessions',
        )
      })
  }

  /** Redis was away: it may have restarted and forgotten a `CONFIG SET`; check again. */
  reset(): void {
    this.current = 'pending'
  }

  /**
   * Makes sure Redis sends the notifications (`CONFIG SET`, merged into the current value). Does
   * nothing once they are known to be on or refused (until {@link reset}); a failure that is not
   * Redis refusing (a timeout, a lost connection) leaves the state `pending`, to try again.
   */
  async enable(): Promise<void> {
    if (this.current !== 'pending') return
    try {
      const current = configValue(await this.opts.redis.command(['CONFIG', 'GET', 'notify-keyspace-events']))
      const wanted = keyspaceFlags(current)
      if (wanted !== null) await this.opts.redis.command(['CONFIG', 'SET', 'notify-keyspace-events', wanted])
      this.current = 'on'
      this.opts.log.info(
        `clawchat: coordination: Redis keyspace notifications are on (notify-keyspace-events "${wanted ?? current}"):` +
          ' a session destroyed or expired in the store closes its sockets on every instance at once',
      )
    } catch (error) {
      if (!isRefusal(error)) return
      this.current = 'refused'
      if (this.warned) return
      this.warned = true
      this.opts.log.warn(
        `clawchat: coordination: Redis refused CONFIG for keyspace notifications (${errorMessage(error)});` +
          ' a session destroyed without proxy.disconnectSession() closes its sockets through the session check' +
          ' (sessionCheckIntervalMs) instead. Set notify-keyspace-events to "Kgxe" in your Redis settings to' +
          ' close them at once',
      )
    }
  }

  private receive(event: string, channel: string): void {
    if (!GONE_EVENTS.has(event)) return
    const at = channel.indexOf('__:')
    if (at === -1) return
    const key = channel.slice(at + 3)
    if (!key.startsWith(this.opts.keyPrefix)) return
    const sessionId = key.slice(this.opts.keyPrefix.length)
    if (sessionId.length > 0) this.opts.onGone(sessionId, event)
  }
}
