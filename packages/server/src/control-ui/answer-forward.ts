/**
 * The gateway's HTTP answer, passed to the browser through `answer-guard.ts`: headers cleaned and
 * checked, a text-ish body buffered (up to 64 MB) and checked before a byte of it is sent, any other
 * body piped. An answer carrying the token is replaced by a 502 and an error log line (without it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ProxyLog } from '../common/log.js'
import { MAX_CHECKED_BODY_BYTES, containsSecret, isTextish, passedHeaders } from './answer-guard.js'

/** What the browser gets instead of an answer that carried the token. */
export const WITHHELD_TEXT = "the gateway's answer carried its own credential; ClawChat withheld it"

/** What {@link forwardAnswer} needs. */
export interface AnswerContext {
  secrets: readonly string[]
  log: ProxyLog
  /** The gateway's http(s) origin: a redirect to it is made relative, so the browser stays on the app. */
  gatewayOrigin: string
}

/** A `Location` on the gateway's own origin, made a path of the app (the same path: the prefix is shared). */
function localLocation(headers: Record<string, unknown>, gatewayOrigin: string): void {
  const location = headers.location
  if (typeof location !== 'string') return
  if (location.toLowerCase().startsWith(`${gatewayOrigin.toLowerCase()}/`))
    headers.location = location.slice(gatewayOrigin.length)
}

function withhold(res: ServerResponse, ctx: AnswerContext, req: IncomingMessage, why: string): void {
  ctx.log.error(`clawchat: Control UI: ${why} (${req.method} ${req.url}); answered 502`)
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = `${WITHHELD_TEXT}\n`
  res.writeHead(502, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** Buffers a text-ish body, then sends it unless it carries a secret. */
function sendChecked(
  answer: IncomingMessage,
  req: IncomingMessage,
  res: ServerResponse,
  headers: ReturnType<typeof passedHeaders> & object,
  ctx: AnswerContext,
): void {
  const chunks: Buffer[] = []
  let size = 0
  let over = false
  answer.on('data', (chunk: Buffer) => {
    if (over) return
    size += chunk.length
    if (size > MAX_CHECKED_BODY_BYTES) {
      over = true
      answer.destroy()
      withhold(res, ctx, req, `the gateway's text answer is larger than ${MAX_CHECKED_BODY_BYTES} bytes`)
      return
    }
    chunks.push(chunk)
  })
  answer.on('end', () => {
    if (over) return
    const body = Buffer.concat(chunks)
    if (containsSecret(body, ctx.secrets))
      return withhold(res, ctx, req, "the gateway's answer carried the gateway token in its body")
    delete headers['content-length']
    res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  answer.on('error', () => res.destroy())
}

/**
 * Passes the gateway's answer on (http-proxy's `proxyRes` with `selfHandleResponse`).
 *
 * @example
 * forwarder.on('proxyRes', (answer, req, res) => forwardAnswer(answer, req, res, { secrets: [token], log }))
 */
export function forwardAnswer(
  answer: IncomingMessage,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AnswerContext,
): void {
  const headers = passedHeaders(answer.headers, ctx.secrets)
  if (!headers) {
    answer.resume()
    return withhold(res, ctx, req, "the gateway's answer carried the gateway token in a header")
  }
  localLocation(headers, ctx.gatewayOrigin)
  if (isTextish(answer.headers['content-type'])) return sendChecked(answer, req, res, headers, ctx)
  res.writeHead(answer.statusCode ?? 502, headers)
  answer.pipe(res)
  answer.on('error', () => res.destroy())
}
