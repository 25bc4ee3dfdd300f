/**
 * The HTTP side of the middleware: `GET <path>/session` answers 200 with the `clawchat.session`
 * payload, 401 when nobody is logged in, 503 when the session store itself fails — what the SDK
 * asks after a refused reconnect, since a refused upgrade only shows up as close 1006.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SESSION_ENDPOINT } from '@clawchat/protocol'
import { buildSessionPayload } from '../connection/hello.js'
import type { ProxyLimits } from '../limits/limits.js'
import type { ProxyLog } from '../common/log.js'
import type { ResolvedOptions } from './options.js'
import { allowedMethods, type MethodPolicy } from '../isolation/policy.js'
import { authenticateRequest } from './upgrade.js'

/** What the session endpoint needs. */
export interface SessionEndpointDeps {
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace' | 'path'>
  methods: MethodPolicy
  limits: ProxyLimits
  log: ProxyLog
}

function send(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value)
  res.end(text)
}

/** The pathname of a request (`originalUrl` when Express mounted the middleware under a prefix). */
export function requestPath(req: IncomingMessage & { originalUrl?: string }): string {
  const raw = req.originalUrl ?? req.url ?? '/'
  const end = raw.search(/[?#]/)
  return end === -1 ? raw : raw.slice(0, end)
}

/**
 * Handles `GET <path>/session`; answers `false` (and does nothing) for any other request.
 */
export function handleSessionEndpoint(
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse,
  deps: SessionEndpointDeps,
): boolean {
  if (requestPath(req) !== `${deps.options.path}${SESSION_ENDPOINT}`) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { error: `use GET ${deps.options.path}${SESSION_ENDPOINT}` }, { Allow: 'GET, HEAD' })
    return true
  }
  authenticateRequest(req, deps.options).then(
    (result) => {
      if (result.ok) {
        send(res, 200, buildSessionPayload(result.user, allowedMethods(deps.methods, result.user.role), deps.limits))
        return
      }
      if (result.status === 401) send(res, 401, { error: 'not logged in' })
      else if (result.status === 503) {
        deps.log.error(`clawchat: GET ${deps.options.path}${SESSION_ENDPOINT}: ${result.message}`)
        send(res, 503, { error: 'the session store is unavailable; try again shortly' }, { 'Retry-After': '1' })
      } else {
        deps.log.error(`clawchat: GET ${deps.options.path}${SESSION_ENDPOINT}: ${result.message}`)
        send(res, 500, { error: 'could not check who you are; see the server log' })
      }
    },
    (error: unknown) => {
      deps.log.error(`clawchat: GET ${deps.options.path}${SESSION_ENDPOINT} failed: ${String(error)}`)
      if (!res.headersSent) send(res, 500, { error: 'internal error' })
    },
  )
  return true
}
