/**
 * Option `metrics`: off by default; `true`, or `{ path, allowFrom, prefix, register }`. Every bad
 * value is a construction error naming `metrics.<field>`.
 */
import type { Registry } from 'prom-client'
import { bad, rejectUnknown } from '../gate/options-check.js'
import { compileTrust, type TrustFn, type TrustProxyOption } from '../gate/trust-proxy.js'

/**
 * The metrics endpoint and its instruments.
 *
 * @example
 * clawchatProxy({ …, metrics: true })  // GET /clawchat/metrics from loopback
 * clawchatProxy({ …, metrics: { allowFrom: ['loopback', '10.0.0.0/8'], prefix: 'chat_' } })
 * clawchatProxy({ …, metrics: { register: promClient.register, path: '/internal/clawchat-metrics' } })
 */
export interface MetricsOptions {
  /** Where the middleware serves the Prometheus text format. Default `<path>/metrics`. */
  path?: string
  /**
   * Which peers may read it, judged on the socket's own peer address (never `X-Forwarded-For`):
   * addresses or subnets as `trustProxy` takes them (`'loopback'`, `['10.0.0.0/8']`, a function
   * `(address) => boolean`). Default `'loopback'`. Others get 403.
   */
  allowFrom?: TrustProxyOption
  /** The start of every metric name. Default `clawchat_`. */
  prefix?: string
  /**
   * A prom-client `Registry` to register the instruments in (say, the app's `promClient.register`,
   * served by the app's own endpoint). Default: the proxy's own registry (prom-client's global
   * default registry is never used unless passed here).
   */
  register?: Registry
}

/** What option `metrics` takes. */
export type MetricsOption = boolean | MetricsOptions

/** Option `metrics`, validated, with its defaults. */
export interface ResolvedMetrics {
  path: string
  allowFrom: TrustFn
  prefix: string
  /** The app's registry, or `undefined`: the proxy makes its own. */
  register: Registry | undefined
}

const KNOWN = ['path', 'allowFrom', 'prefix', 'register']
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/
const PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/

function isRegistry(value: unknown): value is Registry {
  const r = value as Partial<Record<'registerMetric' | 'metrics' | 'getSingleMetric', unknown>> | null
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.registerMetric === 'function' &&
    typeof r.metrics === 'function' &&
    typeof r.getSingleMetric === 'function'
  )
}

/**
 * Validates option `metrics` (`proxyPath`: option `path`, resolved); `undefined` when off.
 *
 * @example
 * resolveMetrics(true, '/clawchat') // { path: '/clawchat/metrics', prefix: 'clawchat_', … }
 * resolveMetrics({ prefix: '1x' }, '/clawchat') // throws: option "metrics.prefix" must be …
 */
export function resolveMetrics(value: unknown, proxyPath: string): ResolvedMetrics | undefined {
  if (value === undefined || value === false) return undefined
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw bad('metrics', 'must be true, false or { path?, allowFrom?, prefix?, register? }', value)
  const o = (value === true ? {} : value) as Record<string, unknown>
  rejectUnknown(o, KNOWN, 'metrics.')
  const path = o.path ?? `${proxyPath}/metrics`
  if (typeof path !== 'string' || !PATH.test(path) || path.length > 200 || path.endsWith('/'))
    throw bad('metrics.path', 'must be a URL path like "/clawchat/metrics" (no query, no trailing "/")', path)
  if (path === proxyPath) throw bad('metrics.path', 'must differ from option "path" (the WebSocket endpoint)', path)
  const prefix = o.prefix ?? 'clawchat_'
  if (typeof prefix !== 'string' || !PREFIX.test(prefix) || prefix.length > 64)
    throw bad('metrics.prefix', 'must be a Prometheus name start like "clawchat_" (letters, digits, "_", ":")', prefix)
  if (o.register !== undefined && !isRegistry(o.register))
    throw bad(
      'metrics.register',
      "must be a prom-client Registry (new Registry(), or prom-client's register)",
      o.register,
    )
  if (typeof o.allowFrom === 'number')
    throw bad(
      'metrics.allowFrom',
      'must be addresses or subnets ("loopback", "10.0.0.0/8"), or a function',
      o.allowFrom,
    )
  const allowFrom = compileTrust(o.allowFrom ?? 'loopback', 'metrics.allowFrom')
  return { path, allowFrom, prefix, register: o.register }
}
