import { MISCONFIGURED_REASON, type ErrorShape } from '@clawchat/protocol'

/** How often an `UNAVAILABLE` or `RATE_LIMITED` answer may send a `chat.send` back to the queue. */
export const MAX_SEND_RETRIES = 10
/** `details.reason` of a request the gateway refused while it drains for a restart (not counted as a retry). */
export const GATEWAY_RESTARTING = 'gateway-restarting'

/**
 * How long a refused `chat.send` waits before it goes again with the same key, or `undefined` when
 * the refusal is final. The gateway is away or draining for a restart (it accepted nothing), or the
 * queue went out faster than the proxy allows: wait `retryAfterMs` (default 1 s). A drain ends by
 * itself, so its refusals are not counted; they wait longer each time (×2 up to ×8, jittered) so
 * that many clients do not hammer it. A `misconfigured` refusal never goes again.
 *
 * @example
 * sendRetryDelay({ code: 'RATE_LIMITED', message: '…', retryAfterMs: 250 }, 0) // 250
 * sendRetryDelay({ code: 'FORBIDDEN', message: '…' }, 0)                       // undefined
 */
export function sendRetryDelay(
  error: Partial<ErrorShape>,
  retries: number,
  random: () => number = Math.random,
): number | undefined {
  const reason = (error.details as { reason?: unknown } | undefined)?.reason
  if (reason === MISCONFIGURED_REASON) return undefined
  if (error.code !== 'UNAVAILABLE' && error.code !== 'RATE_LIMITED') return undefined
  const draining = reason === GATEWAY_RESTARTING
  if (!draining && retries >= MAX_SEND_RETRIES) return undefined
  const base = error.retryAfterMs ?? 1000
  return draining ? base * Math.min(2 ** retries, 8) * (0.5 + random() / 2) : base
}
