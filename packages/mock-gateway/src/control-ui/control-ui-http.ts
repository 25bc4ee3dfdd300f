import type { IncomingMessage, ServerResponse } from 'node:http'
import { controlUiConfig } from './control-ui-config.js'
import { CONTROL_UI_SECURITY_HEADERS, controlUiPage, FAVICON_SVG, STAND_IN_SCRIPT } from './control-ui-page.js'
import { STAND_IN_APP_JS } from './stand-in-app.js'

/** Whether `url` (a request target) is the base path itself (`p`, `p/`) or below it. */
export function underBasePath(url: string, basePath: string): boolean {
  const pathname = url.split('?')[0] ?? ''
  return pathname === basePath || pathname.startsWith(`${basePath}/`)
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string): void {
  res.writeHead(status, {
    ...CONTROL_UI_SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
  })
  res.end(head ? undefined : body)
}

function acceptsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept
  return typeof accept === 'string' && /text\/html|\*\/\*/i.test(accept)
}

/**
 * Answers a plain HTTP request under the base path like the real Control UI's handler (openclaw
 * 2026.9.6 `handleControlUiHttpRequest`): `<basePath>` → 302 to `<basePath>/`; the page at `<basePath>/`
 * and at any HTML route that is not a file; `control-ui-config.json` only with the bearer (else 401);
 * the stand-in script and favicon; 404 for other files and for methods other than GET/HEAD.
 */
export function serveControlUi(
  req: IncomingMessage,
  res: ServerResponse,
  ui: { basePath: string; authorized: boolean },
): void {
  const { basePath } = ui
  const [pathname = '', query] = (req.url ?? '').split('?', 2)
  const head = req.method === 'HEAD'
  if (req.method !== 'GET' && !head) return send(res, false, 404, 'text/plain; charset=utf-8', 'Not Found')
  if (pathname === basePath) {
    res.writeHead(302, { ...CONTROL_UI_SECURITY_HEADERS, location: `${basePath}/${query ? `?${query}` : ''}` })
    res.end()
    return
  }
  const rest = pathname.slice(basePath.length + 1)
  if (rest === 'control-ui-config.json') {
    if (!ui.authorized) return send(res, head, 401, 'text/plain; charset=utf-8', 'Unauthorized')
    return send(res, head, 200, 'application/json; charset=utf-8', JSON.stringify(controlUiConfig(basePath)))
  }
  if (rest === `assets/${STAND_IN_SCRIPT}`)
    return send(res, head, 200, 'text/javascript; charset=utf-8', STAND_IN_APP_JS)
  if (rest === 'favicon.svg') return send(res, head, 200, 'image/svg+xml', FAVICON_SVG)
  const isFile = rest.startsWith('assets/') || /\.[A-Za-z0-9]+$/.test(rest)
  if (rest === '' || (!isFile && acceptsHtml(req))) {
    return send(res, head, 200, 'text/html; charset=utf-8', controlUiPage(basePath))
  }
  send(res, head, 404, 'text/plain; charset=utf-8', 'Not Found')
}
