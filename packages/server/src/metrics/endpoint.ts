/**
 * The metrics endpoint the middleware serves (option `metrics`): `GET`/`HEAD <metrics.path>` answers
 * the registry in the Prometheus text format to the peers of `metrics.allowFrom` — judged on the
 * socket's own peer address, never on `X-Forwarded-For` — 403 with a sentence to others, 405 to
 * other methods.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import type { ProxyLog } from '../common/log.js'
import { messageOf } from '../common/errors.js'
import { requestPath } from '../gate/session-endpoint.js'
import type { ResolvedMetrics } from './options.js'

/** Answers `res` with a plain text sentence. */
function answerText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.statusCode = status
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(`${text}\n`)
}

/** Is the socket's peer one of `allowFrom`? */
function peerAllowed(req: IncomingMessage, options: ResolvedMetrics): boolean {
  try {
    return options.allowFrom(req.socket.remoteAddress ?? '', 0)
  } catch {
    return false
  }
}

/**
 * Makes the endpoint's handler: `true` when it answered the request (its path), else `false`.
 *
 * @example
 * const serveMetrics = metricsEndpoint(resolved, registry, log)
 * if (serveMetrics(req, res)) return
 */
export function metricsEndpoint(
  options: ResolvedMetrics,
  register: Registry,
  log: ProxyLog,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (requestPath(req) !== options.path) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answerText(res, 405, 'The metrics endpoint answers GET only.', { Allow: 'GET, HEAD' })
      return true
    }
    if (!peerAllowed(req, options)) {
      answerText(res, 403, 'Metrics are served only to the addresses of option metrics.allowFrom.')
      return true
    }
    register.metrics().then(
      (text) => {
        res.statusCode = 200
        res.setHeader('Content-Type', register.contentType)
        res.setHeader('Cache-Control', 'no-store')
        res.end(req.method === 'HEAD' ? undefined : text)
      },
      (error: unknown) => {
        log.error(`clawchat: collecting the metrics failed: ${messageOf(error)}`)
        answerText(res, 500, 'Collecting the metrics failed; the server log says why.')
      },
    )
    return true
  }
}
