/**
 * A proxy's metrics: the figures it always counts ({@link ProxyFigures}, read by `proxy.stats()`)
 * and, with option `metrics`, the prom-client registry that mirrors them and the endpoint serving it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Registry } from 'prom-client'
import type { ProxyLog } from '../common/log.js'
import { NAME } from '../gate/options-check.js'
import { metricsEndpoint } from './endpoint.js'
import type { ProxyFigures } from './figures.js'
import { PromInstruments, type GaugeReadings } from './instruments.js'
import type { ResolvedMetrics } from './options.js'

export { ProxyFigures, type FrameCount, type RequestFigures, type TrafficFigures } from './figures.js'
export type { MetricsRecorder } from './recorder.js'
export { resolveMetrics, type MetricsOption, type MetricsOptions, type ResolvedMetrics } from './options.js'
export { REFUSAL_REASONS, gateRefusalReason, methodLabel, type RefusalReason } from './labels.js'

/** The Prometheus side of a proxy, when option `metrics` is on. */
export interface PromSide {
  /** The registry the instruments are in: the app's (`metrics.register`) or the proxy's own. */
  register: Registry
  /** The endpoint: `true` when it answered the request. */
  serve(req: IncomingMessage, res: ServerResponse): boolean
  /** Takes the instruments out of the app's registry (`metrics.register`), so that a new proxy may use it. */
  close(): void
}

/**
 * Registers the instruments (mirroring `figures` from now on) and makes the endpoint.
 *
 * @example
 * const prom = startPrometheus(opts.metrics, figures, readings, { coordination: false, log })
 * prom.register.metrics() // the text format
 */
export function startPrometheus(
  options: ResolvedMetrics,
  figures: ProxyFigures,
  read: GaugeReadings,
  ctx: { coordination: boolean; log: ProxyLog },
): PromSide {
  const register = options.register ?? new Registry()
  if (register.getSingleMetric(`${options.prefix}connections`)) {
    throw new TypeError(
      `${NAME}: option "metrics.register" already holds metrics named "${options.prefix}…" ` +
        '(another proxy?): give each proxy its own metrics.prefix or registry',
    )
  }
  const before = new Set(register.getMetricsAsArray().map((metric) => metric.name))
  figures.mirrorTo(new PromInstruments(register, options.prefix, read, ctx.coordination))
  const ours = register.getMetricsAsArray().filter((metric) => !before.has(metric.name))
  return {
    register,
    serve: metricsEndpoint(options, register, ctx.log),
    close() {
      if (options.register) for (const metric of ours) register.removeSingleMetric(metric.name)
    },
  }
}
