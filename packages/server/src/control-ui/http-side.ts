/**
 * The Control UI's HTTP side, first in the proxy's middleware: a request under the prefix is checked
 * (path, then the user: 401 / a redirect to `loginUrl`, 403), the gateway's base path confirmed,
 * and forwarded to the gateway with the bearer token and without the browser's cookies; its answer
 * is checked by `answer-guard.ts` on the way back. Nothing outside the prefix is touched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Server from 'http-proxy'
import type { Audit } from '../audit/audit.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { ResolvedOptions } from '../gate/options.js'
import { originAllowed } from '../gate/upgrade.js'
import type { ProxyTrust } from '../gate/trust-proxy.js'
import { CONSOLE_REFUSAL_TEXT, consoleAccess } from './access.js'
import type { BasePathCheck } from './base-path-check.js'
import type { ResolvedControlUi } from './options.js'
import { matchPrefix } from './paths.js'
import type { GatewayOrigins } from './upstream-headers.js'

/** What the HTTP side needs. */
export interface HttpSideDeps {
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace' | 'allowedOrigins'>
  controlUi: ResolvedControlUi
  origins: GatewayOrigins
  forwarder: Server
  basePath: BasePathCheck
  token: string
  trust: ProxyTrust
  audit: Audit
  log: ProxyLog
  isClosed(): boolean
}

/** Answers with plain text. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(`${text}\n`),
    ...headers,
  })
  res.end(`${text}\n`)
}

function wantsPage(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /text\/html/i.test(String(req.headers.accept ?? ''))
}

function loginRedirect(loginUrl: string, original: string): string {
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(original)}`
}

/** The user check; answers the refusal itself and resolves `false`, or resolves `true`. */
async function allowed(req: IncomingMessage, res: ServerResponse, rawUrl: string, deps: HttpSideDeps) {
  const unsafe = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS'
  if (unsafe && !originAllowed(req, deps.options.allowedOrigins, deps.trust.trustsPeer(req)).ok) {
    sendText(res, 403, 'This origin may not send requests to the Control UI.')
    return false
  }
  const access = await consoleAccess(req, deps.options, deps.controlUi.roles)
  if (access.ok) return true
  const { loginUrl } = deps.controlUi
  if (access.status === 401 && loginUrl && wantsPage(req)) {
    res.writeHead(302, { location: loginRedirect(loginUrl, rawUrl), 'cache-control': 'no-store' })
    res.end()
    return false
  }
  if (access.status === 403) {
    const { userId, message } = access
    deps.audit.record({ event: 'control-ui.refused', status: 403, reason: message, userId, kind: 'http' })
  }
  if (access.status >= 500) deps.log.error(`clawchat: Control UI request: ${access.message}`)
  sendText(res, access.status, CONSOLE_REFUSAL_TEXT[access.status] ?? 'Refused.')
  return false
}

/** Forwards an admitted request to the gateway. */
function forward(req: IncomingMessage, res: ServerResponse, url: string, deps: HttpSideDeps): void {
  if (req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') {
    // A body parser mounted before the proxy read the body: there is nothing left to forward.
    deps.log.error('clawchat: a Control UI request body was already read: mount clawchatProxy before body parsers')
    return sendText(res, 500, 'The request body was consumed before ClawChat could forward it; see the server log.')
  }
  req.url = url
  deps.forwarder.web(req, res, { target: deps.origins.http }, (error) => {
    deps.log.warn(`clawchat: Control UI request to the gateway failed: ${messageOf(error)}`)
    sendText(res, 502, CONSOLE_REFUSAL_TEXT[502] as string)
  })
}

/**
 * Creates the HTTP side: a function answering `true` when it took the request.
 *
 * @example
 * const handleHttp = createHttpSide(deps)
 * if (handleHttp(req, res)) return
 */
export function createHttpSide(deps: HttpSideDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const rawUrl = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'
    const match = matchPrefix(rawUrl, deps.controlUi.path)
    if (match.kind === 'outside') return false
    if (match.kind === 'refused') {
      sendText(res, 400, `Refused: ${match.reason}.`)
      return true
    }
    if (deps.isClosed()) {
      sendText(res, 503, 'ClawChat is shutting down.')
      return true
    }
    void (async () => {
      if (!(await allowed(req, res, rawUrl, deps))) return
      const problem = await deps.basePath.problem()
      if (problem) return sendText(res, 503, problem)
      forward(req, res, match.url, deps)
    })().catch((error: unknown) => {
      deps.log.error(`clawchat: a Control UI request failed: ${messageOf(error)}`)
      sendText(res, 500, 'internal error')
    })
    return true
  }
}
