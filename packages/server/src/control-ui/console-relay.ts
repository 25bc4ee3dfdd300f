/**
 * The console's frames once the gateway said hello, both ways. Page → gateway: text only, JSON
 * objects only; each request audited (method, never params) and counted against
 * `requestsPerMinute` (over: answered here, `RATE_LIMITED`); a second `connect` answered here.
 * Gateway → page: passed on with the token (and the console device's token) replaced wherever it
 * appears, and `auth.deviceToken` taken out of any answer.
 */
import type WebSocket from 'ws'
import type { RawData } from 'ws'
import type { Audit } from '../audit/audit.js'
import { invalidRequest, rateLimited, type SecretRedactor } from '../common/errors.js'
import { isRecord } from '../common/records.js'
import { containsSecret } from './answer-guard.js'
import { stripDeviceToken } from './console-handshake.js'
import type { OpenedUpstream } from './console-upstream.js'
import type { RateMeter } from '../limits/rate-meters.js'
import type { MetricsRecorder } from '../metrics/recorder.js'

/** What the relay needs. */
export interface RelayContext {
  page: WebSocket
  upstream: OpenedUpstream
  userId: string
  connId: string
  rate: RateMeter
  audit: Audit
  /** The proxy's figures: rate-limited console requests. */
  metrics?: Pick<MetricsRecorder, 'rateLimited'> | undefined
  /** Redacts the token, and the console device's token once known. */
  redact: SecretRedactor
  /** Secrets a binary frame is checked for (the console device's token is added once known). */
  secrets: string[]
  /** Ends the console (both sockets). */
  end(code: number, why: string): void
}

function answerLocally(ctx: RelayContext, id: unknown, error: object): void {
  ctx.page.send(JSON.stringify({ type: 'res', id, ok: false, error }))
}

/** One frame from the page. */
function fromPage(ctx: RelayContext, data: RawData, isBinary: boolean): void {
  if (isBinary) return ctx.end(1003, 'the console accepts text frames only')
  const text = data.toString()
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch {
    return ctx.end(1008, 'frames must be JSON objects')
  }
  if (!isRecord(frame)) return ctx.end(1008, 'frames must be JSON objects')
  if (frame.type === 'req') {
    const method = typeof frame.method === 'string' ? frame.method : String(frame.method)
    if (method === 'connect') return answerLocally(ctx, frame.id, invalidRequest('already connected'))
    const waitMs = ctx.rate.take()
    const { userId, connId } = ctx
    if (waitMs > 0) {
      ctx.metrics?.rateLimited('control-ui')
      ctx.audit.record({ event: 'control-ui.request', userId, connId, method, outcome: 'rate-limited' })
      return answerLocally(ctx, frame.id, rateLimited('too many Control UI requests; slow down', waitMs))
    }
    ctx.audit.record({ event: 'control-ui.request', userId, connId, method })
  }
  const ws = ctx.upstream.ws
  if (ws.readyState === ws.OPEN) ws.send(text)
}

/** What may wait for a page that reads slowly before the console is closed (1013). */
const MAX_PAGE_BACKLOG_BYTES = 64 * 1024 * 1024

/** One frame from the gateway. */
function fromGateway(ctx: RelayContext, data: RawData, isBinary: boolean): void {
  if (ctx.page.readyState !== ctx.page.OPEN) return
  if (ctx.page.bufferedAmount > MAX_PAGE_BACKLOG_BYTES) return ctx.end(1013, 'the page reads too slowly')
  if (isBinary) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)])
    if (!containsSecret(bytes, ctx.secrets)) ctx.page.send(bytes, { binary: true })
    return
  }
  let text = data.toString()
  if (text.includes('deviceToken')) {
    try {
      const frame: unknown = JSON.parse(text)
      if (isRecord(frame) && frame.type === 'res') {
        const taken = stripDeviceToken(frame)
        if (taken !== undefined) {
          ctx.redact.add(taken)
          ctx.secrets.push(taken)
          text = JSON.stringify(frame)
        }
      }
    } catch {
      // Not JSON: passed on, redacted.
    }
  }
  ctx.page.send(ctx.redact(text))
}

/**
 * Starts relaying: the gateway's hello (its answer to the proxy's connect, with the page's id) to
 * the page first, then the page's frames (those it sent early first) to the gateway, and the
 * gateway's (those it sent early first) to the page.
 *
 * @example
 * startRelay({ page, upstream, userId, connId, rate, audit, redact, secrets: [token], end }, { hello, heldFromPage })
 */
export function startRelay(
  ctx: RelayContext,
  start: { hello: string; heldFromPage: ReadonlyArray<[RawData, boolean]> },
): void {
  fromGateway(ctx, Buffer.from(start.hello), false)
  for (const [data, isBinary] of start.heldFromPage) fromPage(ctx, data, isBinary)
  ctx.page.on('message', (data, isBinary) => fromPage(ctx, data, isBinary))
  ctx.upstream.relayTo((data, isBinary) => fromGateway(ctx, data, isBinary))
}
