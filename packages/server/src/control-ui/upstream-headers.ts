/**
 * Where the console's requests go (the gateway's HTTP origin and WebSocket origin, from
 * `gateway.url`), and the request headers its HTTP requests carry there: the browser's credentials,
 * forwarding and hop-by-hop headers dropped, the gateway's bearer token added, `Origin` made the
 * gateway's own; and the request headers of a piped root socket (`root-socket.ts`). (The console's
 * own sockets carry no browser header at all: `console-upstream.ts`.)
 */
import type { IncomingHttpHeaders } from 'node:http'

/** The gateway's origins, derived from `gateway.url`. */
export interface GatewayOrigins {
  /** `http://host:port` (`https://` for a `wss://` gateway): where HTTP goes, and the `Origin` sent. */
  http: string
  /** `ws://host:port` or `wss://host:port`: where the console's sockets go. */
  ws: string
}

/**
 * The gateway's HTTP and WebSocket origins.
 *
 * @example
 * gatewayOrigins('ws://127.0.0.1:18789') // { http: 'http://127.0.0.1:18789', ws: 'ws://127.0.0.1:18789' }
 */
export function gatewayOrigins(gatewayUrl: string): GatewayOrigins {
  const url = new URL(gatewayUrl)
  const secure = url.protocol === 'wss:'
  return { http: `${secure ? 'https' : 'http'}://${url.host}`, ws: `${secure ? 'wss' : 'ws'}://${url.host}` }
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']

/** The browser's credentials and what would speak for it: never forwarded. */
const CREDENTIALS = ['cookie', 'authorization', 'proxy-authorization', 'forwarded', 'x-real-ip']

/**
 * Should this request header be dropped on the way to the gateway?
 *
 * @example
 * droppedHeader('cookie')            // true
 * droppedHeader('x-forwarded-for')   // true (the gateway refuses forwarded requests from a loopback peer)
 * droppedHeader('accept')            // false
 */
export function droppedHeader(name: string): boolean {
  const n = name.toLowerCase()
  return CREDENTIALS.includes(n) || n.startsWith('x-forwarded-') || HOP_BY_HOP.includes(n)
}

/** Something whose outgoing headers can be edited: an `http.ClientRequest` before it is sent. */
export interface EditableHeaders {
  getHeaderNames(): string[]
  removeHeader(name: string): void
  setHeader(name: string, value: string): unknown
}

/**
 * Cleans an outgoing HTTP request to the gateway in place: drops the browser's credentials,
 * forwarding and hop-by-hop headers, sets the bearer token, replaces `Origin` (if the browser sent
 * one) with the gateway's own, and asks for an unencoded answer, so it can be checked.
 *
 * @example
 * proxy.on('proxyReq', (proxyReq, req) => cleanUpstreamRequest(proxyReq, req.headers, { token, origin }))
 */
export function cleanUpstreamRequest(
  out: EditableHeaders,
  incoming: IncomingHttpHeaders,
  with_: { token: string; origin: string },
): void {
  for (const name of out.getHeaderNames()) if (droppedHeader(name)) out.removeHeader(name)
  out.setHeader('authorization', `Bearer ${with_.token}`)
  if (incoming.origin !== undefined) out.setHeader('origin', with_.origin)
  out.setHeader('accept-encoding', 'identity')
}

/** What a piped socket keeps of the hop-by-hop headers: the upgrade handshake itself. */
const UPGRADE_HANDSHAKE = ['connection', 'upgrade']

/**
 * Cleans an outgoing upgrade of a piped root socket in place: drops the browser's credentials
 * (cookie, authorization), forwarding headers (the gateway refuses a forwarded upgrade with 403) and
 * hop-by-hop headers but the handshake's own, and makes `Origin` the gateway's. No bearer token: the
 * one-time token in the query is what authorizes these sockets.
 *
 * @example
 * proxy.on('proxyReqWs', (proxyReq) => cleanUpstreamUpgrade(proxyReq, { origin: 'http://127.0.0.1:18789' }))
 */
export function cleanUpstreamUpgrade(out: EditableHeaders, with_: { origin: string }): void {
  for (const name of out.getHeaderNames())
    if (droppedHeader(name) && !UPGRADE_HANDSHAKE.includes(name.toLowerCase())) out.removeHeader(name)
  out.setHeader('origin', with_.origin)
}
