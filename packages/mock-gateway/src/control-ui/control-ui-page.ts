import { createHash } from 'node:crypto'
import { GATEWAY_BUILD_ID } from '../fixtures/gateway-identity.js'
import { STAND_IN_APP_JS } from './stand-in-app.js'

/** The stand-in app's file name under `<basePath>/assets/`. */
export const STAND_IN_SCRIPT = 'mock-control-ui.js'

/**
 * The real Control UI's security headers (openclaw 2026.9.6 `applyControlUiSecurityHeaders` and
 * `buildControlUiCspHeader`, without inline-script hashes): same CSP, `X-Frame-Options: DENY`, nosniff.
 */
export const CONTROL_UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'content-security-policy': [
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "frame-src 'self' http: https:",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
    "img-src 'self' data: blob: https:",
    "media-src 'self' data: blob:",
    "font-src 'self' https://fonts.gstatic.com",
    "worker-src 'self'",
    "connect-src 'self' ws: wss: data: https://api.openai.com https://tweakcn.com",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

function assetHash(source: string): string {
  return createHash('sha256').update(source).digest('hex')
}

/**
 * The page's `data-openclaw-control-ui-build-id`: the LONG form, like the real page's —
 * `<hello-ok server.buildId>-<64 hex asset hash>` (openclaw 2026.9.6, measured with the real gateway
 * in December 2026; there the hash is of the UI's assets, here of the stand-in script). The UI sends
 * only the short form (the part before the last `-<64 hex>`) as `client.buildId`: the long one is
 * longer than the connect schema's 96 characters, and only the short one matches the gateway's build.
 */
export const CONTROL_UI_PAGE_BUILD_ID = `${GATEWAY_BUILD_ID}-${assetHash(STAND_IN_APP_JS)}`

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
}

/**
 * The stand-in's HTML, shaped like the real index.html: the base path and build id on `<html>`,
 * absolute asset links under the base path, one module script. The element ids are stable for tests.
 */
export function controlUiPage(basePath: string): string {
  const base = escapeAttribute(basePath)
  const build = escapeAttribute(CONTROL_UI_PAGE_BUILD_ID)
  return `<!doctype html>
<html lang="en" data-openclaw-control-ui-base-path="${base}" data-openclaw-control-ui-build-id="${build}">
<head>
<meta charset="utf-8">
<title>OpenClaw Control (mock)</title>
<link rel="icon" type="image/svg+xml" href="${base}/favicon.svg">
<script type="module" src="${base}/assets/${STAND_IN_SCRIPT}"></script>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
#sessions { font-family: ui-monospace, monospace; font-size: 13px; }
#message { width: 30rem; max-width: 70%; padding: .3rem; }
#reply { white-space: pre-wrap; background: #f5f5f4; padding: .75rem; border-radius: 6px; min-height: 1.5rem; }
</style>
</head>
<body>
<h1>OpenClaw Control (mock stand-in)</h1>
<p>Assistant: <span id="assistant-name"></span></p>
<p>Status: <span id="status">Connecting…</span></p>
<h2>Sessions</h2>
<ul id="sessions"></ul>
<h2>Chat (agent:main:main)</h2>
<input id="message" autocomplete="off"> <button id="send" type="button">Send</button>
<pre id="reply"></pre>
</body>
</html>
`
}

/** `<basePath>/favicon.svg`: a small claw-coloured square. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
  '<rect width="16" height="16" rx="3" fill="#d9480f"/></svg>\n'
