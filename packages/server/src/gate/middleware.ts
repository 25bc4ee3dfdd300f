/**
 * The HTTP side of the proxy, for `app.use(proxy)`: `GET <path>/session` is answered (see
 * `session-endpoint.ts`), everything else passed on — or, outside Express (no `next`), answered 404.
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
 * anything else and answers `true` for those it took.
 *
 * @example
 * const middleware = createMiddleware({ options: opts, methods: opts.methods, limits: opts.limits, log }, trust)
 * app.use(middleware)
 */
export function createMiddleware(
  endpoint: SessionEndpointDeps,
  trust: ProxyTrust,
  first?: (req: IncomingMessage, res: ServerResponse) => boolean,
): ProxyMiddleware {
  return function clawchatMiddleware(req, res, next) {
    trust.learnFrom(req)
    if (first?.(req, res)) return
    if (handleSessionEndpoint(req, res, endpoint)) return
    if (next) next()
    else {
      res.statusCode = 404
      res.end()
    }
  }
}
