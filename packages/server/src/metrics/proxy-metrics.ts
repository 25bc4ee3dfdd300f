/**
 * Option `metrics` wired to one proxy: the gauges read its registry of connections, its Control UI
 * consoles, its link, its upstream budget and its coordination at each scrape.
 */
import type { ControlUiStats } from '../control-ui/index.js'
import type { Coordination } from '../coordination/index.js'
import type { ProxyCore } from '../proxy-core.js'
import { startPrometheus, type PromSide } from './index.js'

/**
 * Starts the Prometheus side of a proxy when option `metrics` is on; `undefined` when off.
 *
 * @example
 * const prom = startProxyMetrics(core, coordination, consoles)
 * prom?.register // the Registry (proxy.metrics)
 */
export function startProxyMetrics(
  core: ProxyCore,
  coordination: Pick<Coordination, 'view'> | undefined,
  consoles: { stats(): ControlUiStats } | undefined,
): PromSide | undefined {
  const { opts, registry, link, upstream } = core
  if (!opts.metrics) return undefined
  const read = {
    open: () => ({
      relay: { connections: registry.size, users: registry.userCount },
      'control-ui': consoles?.stats() ?? { connections: 0, users: 0 },
    }),
    linkState: () => link.state,
    upstream: () => ({ inFlightBytes: upstream.inFlightBytes, queuedBytes: upstream.queuedBytes }),
    cluster() {
      const view = coordination?.view()
      return view && { redisUp: view.redis === 'up', instances: view.instances.length }
    },
  }
  return startPrometheus(opts.metrics, core.figures, read, { coordination: coordination !== undefined, log: core.log })
}
