/**
 * The gateway's HTTP answers on their way to an admin's browser: `Set-Cookie` dropped, hop-by-hop
 * headers dropped, and every header value and every text-ish body checked for the gateway's token —
 * an answer that carries it is withheld whole (the caller answers 502). Other bodies (images, fonts)
 * are piped as they are.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/** The largest text-ish body buffered to be checked; a larger one is withheld. */
export const MAX_CHECKED_BODY_BYTES = 64 * 1024 * 1024

/** Response headers never passed on. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'proxy-authenticate',
])

/**
 * Is a body of this `Content-Type` text a browser could read (and so checked for the token)? A
 * missing type counts as text: what the browser would sniff is unknown.
 *
 * @example
 * isTextish('application/javascript; charset=utf-8') // true
 * isTextish('image/png')                             // false
 */
export function isTextish(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return type.startsWith('text/') || /json|javascript|ecmascript|xml|svg|html/.test(type)
}

/**
 * The headers to pass on, or `null` when one of them carries a secret.
 *
 * @example
 * passedHeaders({ 'set-cookie': ['a=1'], 'content-type': 'text/html' }, [token]) // { 'content-type': 'text/html' }
 */
export function passedHeaders(headers: IncomingHttpHeaders, secrets: readonly string[]): OutgoingHttpHeaders | null {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue
    const values = Array.isArray(value) ? value : [value]
    if (values.some((v) => containsSecret(Buffer.from(v, 'latin1'), secrets))) return null
    out[name] = value
  }
  return out
}

/**
 * Does `body` contain any of the secrets, as their UTF-8 bytes, JSON-escaped or percent-encoded?
 *
 * @example
 * containsSecret(Buffer.from(`{"t":"${token}"}`), [token]) // true
 */
export function containsSecret(body: Buffer, secrets: readonly string[]): boolean {
  for (const secret of secrets) {
    if (secret.length === 0) continue
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])
    for (const form of forms) if (body.includes(Buffer.from(form, 'utf8'))) return true
  }
  return false
}
