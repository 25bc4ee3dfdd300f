/**
 * The probes' HTTP answers, in the proxy's middleware, before anything else and without a session:
 * `GET`/`HEAD <path>/healthz` — 200 `{"status":"ok"}` while the proxy serves, 503
 * `{"status":"closing"}` once `proxy.close()` began — and `GET`/`HEAD <path>/readyz` — 200
 * `{"status":"ready","checks":{…}}` or 503 `{"status":"not ready","reason":"…","checks":{…}}` (see
 * `readiness.ts`). JSON, `Cache-Control: no-store`; `HEAD` answers the same status and headers
 * without the body; any other method 405 with `Allow: GET, HEAD`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { requestPath } from '../gate/session-endpoint.js'
import { checkReadiness, type ReadinessDeps } from './readiness.js'

/** The liveness probe's path under the proxy's `path`. */
export const HEALTHZ_PATH = '/healthz'
/** The readiness probe's path under the proxy's `path`. */
export const READYZ_PATH = '/readyz'
const PROBES = new Map([
  [HEALTHZ_PATH, 'healthz'],
  [READYZ_PATH, 'readyz'],
])

/** What the probe endpoint needs. */
export interface ProbeEndpointDeps {
  /** The proxy's `path` (e.g. `/clawchat`). */
  path: string
  readiness: ReadinessDeps
  log: ProxyLog
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  for (const [name, value] of Object.entries<string>(headers)) res.setHeader(name, value)
  res.end(req.method === 'HEAD' ? undefined : text)
}

function answerReadiness(req: IncomingMessage, res: ServerResponse, deps: ProbeEndpointDeps): void {
  checkReadiness(deps.readiness).then(
    (answer) => send(req, res, answer.status === 'ready' ? 200 : 503, answer),
    (error: unknown) => {
      deps.log.error(`clawchat: GET ${deps.path}${READYZ_PATH} failed: ${messageOf(error)}`)
      if (!res.headersSent) send(req, res, 503, { status: 'not ready', reason: 'the readiness check failed' })
    },
  )
}

/**
 * Answers a probe request; `false` (doing nothing) for any other request.
 *
 * @example
 * if (handleProbe(req, res, { path: '/clawchat', readiness, log })) return
 * // curl -s localhost:3000/clawchat/healthz → {"status":"ok"}
 */
export function handleProbe(
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse,
  deps: ProbeEndpointDeps,
): boolean {
  const path = requestPath(req)
  const probe = PROBES.get(path.slice(deps.path.length))
  if (!probe || !path.startsWith(deps.path)) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(req, res, 405, { error: `use GET or HEAD ${path}` }, { Allow: 'GET, HEAD' })
    return true
  }
  if (probe === 'readyz') answerReadiness(req, res, deps)
  else if (deps.readiness.isClosed()) send(req, res, 503, { status: 'closing' })
  else send(req, res, 200, { status: 'ok' })
  return true
}
