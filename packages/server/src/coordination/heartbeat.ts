/**
 * The instance's heartbeat: every `heartbeatMs`, refresh this instance's keys and read the others'
 * (`ClusterConnections.heartbeat`, also the probe that notices Redis is back); then, while Redis is
 * up, turn keyspace notifications on until they are, and read the disconnects the pub/sub
 * connection missed. Its timer never keeps the process alive.
 */
import type { ClusterBus } from './cluster-bus.js'
import type { ClusterConnections } from './cluster-limits.js'
import type { RedisHealth } from './health.js'
import type { SessionKeyWatch } from './session-watch.js'

/** Options of {@link CoordinationHeartbeat}. */
export interface CoordinationHeartbeatOptions {
  intervalMs: number
  connections: ClusterConnections
  health: RedisHealth
  bus: ClusterBus
  /** Absent when the session store's keys are not watched. */
  watch: SessionKeyWatch | undefined
}

/**
 * Beats now and then every `intervalMs` until stopped.
 *
 * @example
 * const heartbeat = new CoordinationHeartbeat({ intervalMs: 2000, connections, health, bus, watch })
 * heartbeat.start()
 * // Redis is back: beat at once
 * void heartbeat.beat()
 * await heartbeat.stop()
 */
export class CoordinationHeartbeat {
  private timer: NodeJS.Timeout | null = null
  private beating: Promise<void> | null = null
  private stopped = false

  constructor(private readonly opts: CoordinationHeartbeatOptions) {}

  /** Beats at once if Redis is up, and schedules the next beats. */
  start(): void {
    if (this.opts.health.isUp) void this.beat()
    this.schedule()
  }

  /** One heartbeat (never two at once: a beat asked for during one is that one). */
  beat(): Promise<void> {
    const { connections, health, watch, bus } = this.opts
    this.beating ??= connections
      .heartbeat()
      .then(() => (health.isUp ? Promise.all([watch?.enable(), bus.catchUp()]) : undefined))
      .then(() => undefined)
      .finally(() => {
        this.beating = null
      })
    return this.beating
  }

  /** Stops the beats and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.beating
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.beat().finally(() => this.schedule())
    }, this.opts.intervalMs)
    this.timer.unref?.()
  }
}
