/**
 * The Prometheus instruments of one proxy (option `metrics`): counters that mirror the figures
 * call for call, a latency histogram, and gauges read at scrape time (`collect()`), all in the
 * proxy's own registry or the one the app passed.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { LinkState } from '../upstream/gateway-link.js'
import {
  REFUSAL_REASONS,
  type BrowserFrameKind,
  type GatewayFrameKind,
  type RateLimitScope,
  type RefusalReason,
  type RequestOutcome,
  type Surface,
} from './labels.js'
import type { MetricsRecorder } from './recorder.js'

/** What the gauges read at scrape time. */
export interface GaugeReadings {
  /** Open connections and their distinct users, per surface. */
  open(): Record<Surface, { connections: number; users: number }>
  /** The link's state now. */
  linkState(): LinkState
  /** Bytes held toward the gateway: relayed and not answered, and queued on the link's socket. */
  upstream(): { inFlightBytes: number; queuedBytes: number }
  /** With `coordination`: whether Redis is usable and how many instances are live; else `undefined`. */
  cluster(): { redisUp: boolean; instances: number } | undefined
}

/** Every link state, so that the state gauge shows a 0 for each the link is not in. */
const LINK_STATES: readonly LinkState[] = ['connecting', 'up', 'down', 'misconfigured', 'failed', 'closed']

/** Every series of a closed label set starts at 0, so that `rate()` and `increase()` see its first change. */
function startAtZero(i: PromInstruments): void {
  for (const surface of ['relay', 'control-ui'] as const)
    for (const reason of REFUSAL_REASONS) i.refused.inc({ surface, reason }, 0)
  const browser = [
    ['in', ['req', 'cancel', 'invalid']],
    ['out', ['res', 'event']],
  ] as const
  for (const [direction, kinds] of browser) {
    for (const kind of kinds) {
      i.browserFrames.inc({ direction, kind }, 0)
      i.browserBytes.inc({ direction, kind }, 0)
    }
  }
  i.gatewayFrames.inc({ direction: 'up', kind: 'req' }, 0)
  i.gatewayFrames.inc({ direction: 'down', kind: 'res' }, 0)
  i.gatewayFrames.inc({ direction: 'down', kind: 'event' }, 0)
  for (const scope of ['connection', 'user', 'chat-sends', 'upstream-bytes', 'control-ui'] as const)
    i.limited.inc({ scope }, 0)
}

/** Latency buckets, in seconds: a local answer (ms) to a slow model's `chat.send` acknowledgement. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** The gauges, read at each scrape. */
function registerGauges(p: string, registers: Registry[], read: GaugeReadings): void {
  new Gauge({
    name: `${p}connections`,
    help: 'Open browser connections (surface: relay, or control-ui for the Control UI consoles).',
    labelNames: ['surface'],
    registers,
    collect() {
      for (const [surface, open] of Object.entries(read.open())) this.set({ surface }, open.connections)
    },
  })
  new Gauge({
    name: `${p}users`,
    help: 'Distinct users with an open connection, per surface.',
    labelNames: ['surface'],
    registers,
    collect() {
      for (const [surface, open] of Object.entries(read.open())) this.set({ surface }, open.users)
    },
  })
  new Gauge({
    name: `${p}gateway_link_state`,
    help: 'The upstream link to the gateway: 1 for the state it is in, 0 for the others.',
    labelNames: ['state'],
    registers,
    collect() {
      const now = read.linkState()
      for (const state of LINK_STATES) this.set({ state }, state === now ? 1 : 0)
    },
  })
  new Gauge({
    name: `${p}upstream_held_bytes`,
    help: 'Bytes held toward the gateway: in_flight (relayed, not answered) and queued (on the link socket).',
    labelNames: ['held'],
    registers,
    collect() {
      const { inFlightBytes, queuedBytes } = read.upstream()
      this.set({ held: 'in_flight' }, inFlightBytes)
      this.set({ held: 'queued' }, queuedBytes)
    },
  })
}

/** The coordination gauges (only with option `coordination`). */
function registerClusterGauges(p: string, registers: Registry[], read: GaugeReadings): void {
  new Gauge({
    name: `${p}coordination_redis_up`,
    help: 'With coordination: 1 while Redis is usable, 0 while limits hold per instance.',
    registers,
    collect() {
      this.set(read.cluster()?.redisUp ? 1 : 0)
    },
  })
  new Gauge({
    name: `${p}coordination_instances`,
    help: 'With coordination: live instances as of the last heartbeat (this one included).',
    registers,
    collect() {
      this.set(read.cluster()?.instances ?? 0)
    },
  })
}

/**
 * The instruments, registered in `register` under names starting with `prefix`.
 *
 * @example
 * const instruments = new PromInstruments(new Registry(), 'clawchat_', readings, false)
 * instruments.upgradeRefused('relay', 'origin') // clawchat_upgrades_refused_total{surface="relay",reason="origin"} 1
 */
export class PromInstruments implements MetricsRecorder {
  readonly refused: Counter<'surface' | 'reason'>
  readonly browserFrames: Counter<'direction' | 'kind'>
  readonly browserBytes: Counter<'direction' | 'kind'>
  readonly gatewayFrames: Counter<'direction' | 'kind'>
  readonly limited: Counter<'scope'>
  private readonly slow: Counter
  private readonly latency: Histogram<'method' | 'outcome'>
  private readonly reconnects: Counter
  private ups = 0

  constructor(register: Registry, p: string, read: GaugeReadings, coordination: boolean) {
    const registers = [register]
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name: `${p}${name}`, help, labelNames, registers })
    this.refused = counter('upgrades_refused_total', 'Upgrades refused, by surface and reason.', ['surface', 'reason'])
    this.browserFrames = counter(
      'browser_frames_total',
      'Browser frames in (req, cancel, invalid) and out (res, event).',
      ['direction', 'kind'],
    )
    this.browserBytes = counter('browser_bytes_total', 'Bytes of browser frames, in and out, by kind.', [
      'direction',
      'kind',
    ])
    this.gatewayFrames = counter('gateway_frames_total', 'Frames on the gateway link: up (req), down (res, event).', [
      'direction',
      'kind',
    ])
    this.limited = counter('rate_limited_total', 'Requests refused by a rate limit, by scope.', ['scope'])
    this.slow = counter('slow_consumer_closes_total', 'Browsers closed (1013) for reading too slowly.', [])
    this.reconnects = counter('gateway_reconnects_total', 'Times the gateway link came up again after being up.', [])
    this.latency = new Histogram({
      name: `${p}request_duration_seconds`,
      help: "From a browser's request to its answer, by method (other: outside the relayable list) and outcome.",
      labelNames: ['method', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    startAtZero(this)
    registerGauges(p, registers, read)
    if (coordination) registerClusterGauges(p, registers, read)
  }

  upgradeRefused(surface: Surface, reason: RefusalReason): void {
    this.refused.inc({ surface, reason })
  }

  browserFrame(direction: 'in' | 'out', kind: BrowserFrameKind, bytes: number): void {
    this.browserFrames.inc({ direction, kind })
    this.browserBytes.inc({ direction, kind }, bytes)
  }

  gatewayFrame(direction: 'up' | 'down', kind: GatewayFrameKind): void {
    this.gatewayFrames.inc({ direction, kind })
  }

  rateLimited(scope: RateLimitScope): void {
    this.limited.inc({ scope })
  }

  slowConsumer(): void {
    this.slow.inc()
  }

  /** `method` is already a label value (see `methodLabel`). */
  requestDone(method: string, outcome: RequestOutcome, ms: number): void {
    this.latency.observe({ method, outcome }, ms / 1000)
  }

  linkUp(): void {
    this.ups += 1
    if (this.ups > 1) this.reconnects.inc()
  }
}
