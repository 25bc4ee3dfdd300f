/**
 * Is Redis usable right now? The client's own state (connected and ready) and the outcome of the
 * last command together: a command that failed or timed out counts Redis as down until the next
 * one succeeds (the heartbeat probes every `heartbeatMs`). While it is down nothing waits for Redis:
 * limits hold per instance, and the change is logged once each way.
 */
import type { ProxyLog } from '../common/log.js'
import type { RedisAdapter } from './redis-adapter.js'

/** Options of {@link RedisHealth}. */
export interface RedisHealthOptions {
  redis: RedisAdapter
  log: ProxyLog
  /** Redis became usable again (after being down, or for the first time). */
  onUp(): void
}

/**
 * Follows whether coordination can use Redis.
 *
 * @example
 * const health = new RedisHealth({ redis, log, onUp: () => resync() })
 * if (health.isUp) await redis.command(['PING']).then(() => health.succeeded(), (e) => health.failed(e))
 */
export class RedisHealth {
  private failing: string | null = null
  private up: boolean
  private stopped = false

  constructor(private readonly opts: RedisHealthOptions) {
    this.up = opts.redis.isReady()
    if (!this.up)
      opts.log.warn('clawchat: coordination: the Redis client is not ready yet; limits hold per instance until it is')
    opts.redis.onStateChange((reason) => {
      // A fresh connection: earlier failures belong to the old one.
      if (reason === 'ready') this.failing = null
      this.evaluate(reason)
    })
  }

  /** True when commands may be sent (and be waited for). */
  get isUp(): boolean {
    return this.up
  }

  /** A command failed or timed out: Redis counts as down until one succeeds. */
  failed(error: unknown): void {
    this.failing = error instanceof Error ? error.message : String(error)
    this.evaluate(this.failing)
  }

  /** A command succeeded. */
  succeeded(): void {
    if (this.failing === null) return
    this.failing = null
    this.evaluate()
  }

  /** Stops logging and calling back (the proxy is closing). */
  stop(): void {
    this.stopped = true
  }

  private evaluate(reason?: string): void {
    if (this.stopped) return
    const now = this.opts.redis.isReady() && this.failing === null
    if (now === this.up) return
    this.up = now
    if (now) {
      this.opts.log.info('clawchat: coordination: Redis is back; limits and logouts hold across instances again')
      this.opts.onUp()
    } else {
      this.opts.log.warn(
        `clawchat: coordination: Redis is unreachable (${reason ?? 'not ready'}); limits now hold per instance,` +
          ' and logouts reach other instances only through their session check, until it is back',
      )
    }
  }
}
