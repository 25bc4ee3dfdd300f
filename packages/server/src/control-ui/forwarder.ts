/**
 * The one `http-proxy` server a proxy's console uses for its HTTP requests and for the root sockets it
 * pipes (`root-socket.ts`; the console's own sockets are the proxy's translation,
 * `console-connection.ts`): requests cleaned on the way out (`upstream-headers.ts`), HTTP answers
 * checked on the way back (`answer-forward.ts`).
 */
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import httpProxy from 'http-proxy'
import type { ProxyLog } from '../common/log.js'
import { forwardAnswer } from './answer-forward.js'
import { cleanUpstreamRequest, cleanUpstreamUpgrade, type GatewayOrigins } from './upstream-headers.js'

/** The gateway-side socket of each piped root socket, by the browser's socket (once the gateway said 101). */
export const upstreamSockets = new WeakMap<Duplex, Socket>()

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
  forwarder.on('proxyReqWs', (proxyReq, _req, socket) => {
    cleanUpstreamUpgrade(proxyReq, { origin: origins.http })
    proxyReq.once('upgrade', (_res, upstream: Socket) => void upstreamSockets.set(socket, upstream))
  })
  forwarder.on('proxyRes', (answer, req, res) =>
    forwardAnswer(answer, req, res, { secrets: [token], log: ctx.log, gatewayOrigin: origins.http }),
  )
  // Every call passes its own error callback; this one only keeps a stray error from throwing.
  forwarder.on('error', () => undefined)
  return forwarder
}
