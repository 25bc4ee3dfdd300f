import { GATEWAY_BUILD_ID } from '../fixtures/gateway-identity.js'

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

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
}

/**
 * The stand-in's HTML, shaped like the real index.html: the base path and build id on `<html>`,
 * absolute asset links under the base path, one module script. The element ids are stable for tests.
 */
export function controlUiPage(basePath: string): string {
  const base = escapeAttribute(basePath)
  return `<!doctype html>
<html lang="en" data-openclaw-control-ui-base-path="${base}" data-openclaw-control-ui-build-id="${GATEWAY_BUILD_ID}">
<head>
<meta charset="utf-8">
<title>OpenClaw Control (mock)</title>
<link rel="icon" type="image/svg+xml" href="${base}/favicon.svg">
<script type="module" src="${base}/assets/${STAND_IN_SCRIPT}"></script>
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
