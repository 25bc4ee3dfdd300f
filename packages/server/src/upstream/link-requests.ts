/**
 * One request relayed over the link, and what its failure becomes: an {@link UpstreamError} whose
 * `shape` the browser may be told — the gateway's own error (redacted), a timeout, a cancellation,
 * or the link being unavailable. Nothing is queued while the link is down.
 */
import { messageOf, type Redactor } from '../common/errors.js'
import type { GatewayClientLike } from './link-client.js'
import { UpstreamError } from './upstream-error.js'

/** The link is not up: refused at once, retryable (`downReason` tells people why). */
export function linkUnavailable(downReason: string): UpstreamError {
  return new UpstreamError('unavailable', {
    code: 'UNAVAILABLE',
    message: downReason,
    retryable: true,
    retryAfterMs: 1000,
  })
}

/**
 * What a failed request becomes: `cancelled` (the caller's signal), `timeout` (no answer within
 * `requestTimeoutMs`), `gateway` (the gateway's error, its text redacted) or `unavailable` (the
 * socket went away before the answer).
 *
 * @example
 * toUpstreamError(new Error('gateway closed (1006): '), undefined, redact).kind // 'unavailable'
 */
export function toUpstreamError(error: unknown, signal: AbortSignal | undefined, redact: Redactor): UpstreamError {
  const e = error as {
    name?: unknown
    code?: unknown
    gatewayCode?: unknown
    details?: unknown
    retryable?: unknown
    retryAfterMs?: unknown
  }
  if (signal?.aborted || e?.name === 'AbortError')
    return new UpstreamError('cancelled', { code: 'CANCELLED', message: 'The request was cancelled.' })
  if (e?.code === 'CLIENT_TIMEOUT') {
    return new UpstreamError('timeout', {
      code: 'UNAVAILABLE',
      message: 'The chat gateway did not answer in time; try again.',
      retryable: true,
      retryAfterMs: 1000,
    })
  }
  if (typeof e?.gatewayCode === 'string' && e.gatewayCode.length > 0) {
    return new UpstreamError('gateway', {
      code: e.gatewayCode,
      message: redact(messageOf(error)),
      details: e.details,
      retryable: e.retryable,
      retryAfterMs: e.retryAfterMs,
    })
  }
  // "gateway closed (1006): ", "gateway not connected", "gateway client stopped", …
  return new UpstreamError('unavailable', {
    code: 'UNAVAILABLE',
    message: 'The connection to the chat gateway was lost before it answered; try again.',
    retryable: true,
    retryAfterMs: 1000,
  })
}

/**
 * Sends one request on `client`, with the link's timeout and the caller's signal; rejects with an
 * {@link UpstreamError}.
 *
 * @example
 * await relayRequest(client, 'chat.history', { sessionKey }, { timeoutMs: 30_000, redact })
 */
export async function relayRequest(
  client: GatewayClientLike,
  method: string,
  params: Record<string, unknown>,
  options: { timeoutMs: number; signal?: AbortSignal; redact: Redactor },
): Promise<unknown> {
  try {
    return await client.request(method, params, { timeoutMs: options.timeoutMs, signal: options.signal })
  } catch (error) {
    throw toUpstreamError(error, options.signal, options.redact)
  }
}

/**
 * Bytes written to a client but not yet taken by its socket (`ws`'s `bufferedAmount`).
 * `GatewayClient` keeps its socket in an undeclared field `ws`; 0 when there is none (or a later
 * client renames it — the backpressure test notices).
 *
 * @example
 * socketQueuedBytes(client) // 0 while the gateway reads as fast as the proxy writes
 */
export function socketQueuedBytes(client: GatewayClientLike | null): number {
  const socket = (client as { ws?: { bufferedAmount?: unknown } | null } | null)?.ws
  const queued = socket?.bufferedAmount
  return typeof queued === 'number' ? queued : 0
}
