import type { CloseAction } from '@clawchat/protocol'
import type { ResolvedReconnect } from './options.js'

/**
 * The delay before the next connection attempt: jittered exponential backoff over the number of
 * failures in a row, shaped by what the close code asks for (docs/ARCHITECTURE.md close-code table).
 *
 * @example
 * backoffDelay(1, 'backoff', RECONNECT_DEFAULTS)       // 250..500
 * backoffDelay(3, 'backoff', RECONNECT_DEFAULTS)       // 1000..2000
 * backoffDelay(1, 'reconnect-now', RECONNECT_DEFAULTS) // 0
 * backoffDelay(1, 'backoff-long', RECONNECT_DEFAULTS)  // 15000..30000 (at least longDelayMs's step)
 */
export function backoffDelay(
  failures: number,
  action: CloseAction,
  o: ResolvedReconnect,
  random: () => number = Math.random,
): number {
  if (action === 'reconnect-now') return 0
  let step = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.max(0, failures - 1))
  if (action === 'backoff-long') step = Math.max(step, o.longDelayMs)
  return Math.round(step * (1 - o.jitter * random()))
}
