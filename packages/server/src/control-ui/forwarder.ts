/**
 * The one `http-proxy` server a proxy's console uses for its HTTP requests (never for sockets: every
 * console socket is the proxy's own translation, `console-connection.ts`): requests cleaned on the
 * way out (`upstream-headers.ts`), answers checked on the way back (`answer-forward.ts`).
 */
import httpProxy from 'http-proxy'
import type { ProxyLog } from '../common/log.js'
import { forwardAnswer } from './answer-forward.js'
import { cleanUpstreamRequest, type GatewayOrigins } from './upstream-headers.js'

/**
 * Creates the forwarder.
 *
 * @example
 * const forwarder = createForwarder({ token, origins, log })
 * forwarder.web(req, res, { target: origins.http }, onError)
 */
export function createForwarder(ctx: { token: string; origins: GatewayOrigins; log: ProxyLog }): httpProxy {
  const forwarder = httpProxy.createProxyServer({
    changeOrigin: true,
    selfHandleResponse: true,
    xfwd: false,
    ws: false,
  })
  const { token, origins } = ctx
  forwarder.on('proxyReq', (proxyReq, req) =>
    cleanUpstreamRequest(proxyReq, req.headers, { token, origin: origins.http }),
  )
  forwarder.on('proxyRes', (answer, req, res) =>
    forwardAnswer(answer, req, res, { secrets: [token], log: ctx.log, gatewayOrigin: origins.http }),
  )
  // Every call passes its own error callback; this one only keeps a stray error from throwing.
  forwarder.on('error', () => undefined)
  return forwarder
}
