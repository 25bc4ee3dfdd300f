/**
 * The figures the proxy always counts, whether or not option `metrics` is on: plain counters that
 * `proxy.stats()` reads, and that the Prometheus instruments (when on) mirror call for call.
 */
import {
  methodLabel,
  type BrowserFrameKind,
  type GatewayFrameKind,
  type RateLimitScope,
  type RefusalReason,
  type RequestOutcome,
  type Surface,
} from './labels.js'
import type { MetricsRecorder } from './recorder.js'

/** Frames and their bytes. */
export interface FrameCount {
  frames: number
  bytes: number
}

/** The answered requests of one method (label `other` for a method outside the relayable list). */
export interface RequestFigures {
  /** Requests answered (or cancelled). */
  count: number
  /** Of them, answered with an error. */
  errors: number
  /** Of them, cancelled by the browser (the answer dropped). */
  cancelled: number
  /** Milliseconds from the browser's `req` to its answer, summed over `count`. */
  totalMs: number
  /** The slowest, in ms. */
  maxMs: number
}

/** The traffic figures of `proxy.stats()` (see {@link ProxyFigures}). */
export interface TrafficFigures {
  /** Upgrades refused, by surface and reason (only reasons that happened appear). */
  refusedUpgrades: Record<Surface, Partial<Record<RefusalReason, number>>>
  /** Browser frames and bytes: in (`req`, `cancel`, `invalid`) and out (`res`, `event`). */
  browserFrames: {
    in: Partial<Record<BrowserFrameKind, FrameCount>>
    out: Partial<Record<BrowserFrameKind, FrameCount>>
  }
  /** Frames on the link: up to the gateway (`req`), down from it (`res`, `event`). */
  gatewayFrames: { up: Partial<Record<GatewayFrameKind, number>>; down: Partial<Record<GatewayFrameKind, number>> }
  /** Requests refused by a rate limit, by scope. */
  rateLimited: Partial<Record<RateLimitScope, number>>
  /** Browsers closed (1013) for reading too slowly. */
  slowConsumerCloses: number
  /** Answered requests by method. */
  requests: Record<string, RequestFigures>
  /** Times the link came up again after it had been up (each hello-ok after the first). */
  gatewayReconnects: number
}

const bump = <K extends string>(record: Partial<Record<K, number>>, key: K, by = 1) => {
  record[key] = (record[key] ?? 0) + by
}

/**
 * One proxy's figures. The Prometheus instruments (when option `metrics` is on) are told every call
 * too, once {@link ProxyFigures.mirrorTo} gave them.
 *
 * @example
 * const figures = new ProxyFigures()
 * figures.upgradeRefused('relay', 'origin')
 * figures.snapshot().refusedUpgrades.relay // { origin: 1 }
 */
export class ProxyFigures implements MetricsRecorder {
  private readonly refused: TrafficFigures['refusedUpgrades'] = { relay: {}, 'control-ui': {} }
  private readonly browser: TrafficFigures['browserFrames'] = { in: {}, out: {} }
  private readonly gateway: TrafficFigures['gatewayFrames'] = { up: {}, down: {} }
  private readonly limited: TrafficFigures['rateLimited'] = {}
  private slowCloses = 0
  private readonly requests = new Map<string, RequestFigures>()
  private ups = 0
  private mirror: MetricsRecorder | undefined

  /** From now on, tells `mirror` every call too. */
  mirrorTo(mirror: MetricsRecorder): void {
    this.mirror = mirror
  }

  upgradeRefused(surface: Surface, reason: RefusalReason): void {
    bump(this.refused[surface], reason)
    this.mirror?.upgradeRefused(surface, reason)
  }

  browserFrame(direction: 'in' | 'out', kind: BrowserFrameKind, bytes: number): void {
    const count = (this.browser[direction][kind] ??= { frames: 0, bytes: 0 })
    count.frames += 1
    count.bytes += bytes
    this.mirror?.browserFrame(direction, kind, bytes)
  }

  gatewayFrame(direction: 'up' | 'down', kind: GatewayFrameKind): void {
    bump(this.gateway[direction], kind)
    this.mirror?.gatewayFrame(direction, kind)
  }

  rateLimited(scope: RateLimitScope): void {
    bump(this.limited, scope)
    this.mirror?.rateLimited(scope)
  }

  slowConsumer(): void {
    this.slowCloses += 1
    this.mirror?.slowConsumer()
  }

  requestDone(method: string, outcome: RequestOutcome, ms: number): void {
    const label = methodLabel(method)
    let figures = this.requests.get(label)
    if (!figures) this.requests.set(label, (figures = { count: 0, errors: 0, cancelled: 0, totalMs: 0, maxMs: 0 }))
    figures.count += 1
    if (outcome === 'error') figures.errors += 1
    if (outcome === 'cancelled') figures.cancelled += 1
    figures.totalMs += ms
    figures.maxMs = Math.max(figures.maxMs, ms)
    this.mirror?.requestDone(label, outcome, ms)
  }

  linkUp(): void {
    this.ups += 1
    this.mirror?.linkUp()
  }

  /** A copy of the figures now. */
  snapshot(): TrafficFigures {
    const copy = <T>(value: T): T => structuredClone(value)
    return {
      refusedUpgrades: copy(this.refused),
      browserFrames: copy(this.browser),
      gatewayFrames: copy(this.gateway),
      rateLimited: { ...this.limited },
      slowConsumerCloses: this.slowCloses,
      requests: Object.fromEntries([...this.requests].map(([method, figures]) => [method, { ...figures }])),
      gatewayReconnects: Math.max(0, this.ups - 1),
    }
  }
}
