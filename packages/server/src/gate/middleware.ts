/**
 * The HTTP side of the proxy, for `app.use(proxy)`: the probes `<path>/healthz` and `<path>/readyz`
 * (see `health/probe-endpoint.ts`) and `GET <path>/session` are answered (see `session-endpoint.ts`),
 * everything else passed on — or, outside Express (no `next`), answered 404.
 * In passing, it learns Express's `trust proxy` setting, which the upgrades then go by.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { handleSessionEndpoint, type SessionEndpointDeps } from './session-endpoint.js'
import type { ProxyTrust } from './trust-proxy.js'

/** Express's `next`. */
export type Next = (error?: unknown) => void

/** The HTTP middleware of a proxy. */
export type ProxyMiddleware = (req: IncomingMessage, res: ServerResponse, next?: Next) => void

/**
 * Creates the middleware. `first` (the Control UI's HTTP side, when on) sees every request before
 * anything else but the probes, and answers `true` for those it took; `probes` sees every request first
 * (it learns the session store express-session set on it) and answers `true` for a probe.
 *
 * @example
 * const middleware = createMiddleware({ options: opts, methods: opts.methods, limits: opts.limits, log }, trust)
 * app.use(middleware)
 */
export function createMiddleware(
  endpoint: SessionEndpointDeps,
  trust: ProxyTrust,
  first?: (req: IncomingMessage, res: ServerResponse) => boolean,
  probes?: (req: IncomingMessage, res: ServerResponse) => boolean,
  /** Option `metrics`: the metrics endpoint, answering `true` for a request to its path. */
  metrics?: (req: IncomingMessage, res: ServerResponse) => boolean,
): ProxyMiddleware {
  return function clawchatMiddleware(req, res, next) {
    trust.learnFrom(req)
    if (probes?.(req, res)) return
    if (metrics?.(req, res)) return
    if (first?.(req, res)) return
    if (handleSessionEndpoint(req, res, endpoint)) return
    if (next) next()
    else {
      res.statusCode = 404
      res.end()
    }
  }
}
