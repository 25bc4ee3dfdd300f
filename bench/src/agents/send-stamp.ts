/**
 * The send-time stamp, written where the gateway sends: wraps `ws`'s `WebSocket.prototype.send`
 * in the mock gateway's process and, in a string frame whose `deltaText` starts with the stamp
 * placeholder, replaces the placeholder with CLOCK_MONOTONIC µs at that moment (same length, so
 * sizes do not change). The mock's own code is untouched; its `ws` is the same module instance.
 */
import { WebSocket } from 'ws'
import { DELTA_STAMP_KEY, STAMP_DIGITS, nowMicros } from '../wire.js'

/** The installed hook: turn it on for the latency scenario, read how many frames it stamped. */
export interface SendStamp {
  enabled: boolean
  readonly stamped: number
}

let installed: SendStamp | undefined

/**
 * Installs the hook once per process (idempotent); it does nothing while `enabled` is false.
 *
 * @example
 * const stamp = installSendStamp(); stamp.enabled = true
 */
export function installSendStamp(): SendStamp {
  if (installed) return installed
  const state = { enabled: false, stamped: 0 }
  const original = WebSocket.prototype.send
  WebSocket.prototype.send = function send(this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (state.enabled && typeof data === 'string') {
      const at = data.indexOf(DELTA_STAMP_KEY)
      if (at !== -1) {
        const start = at + DELTA_STAMP_KEY.length
        data = data.slice(0, start) + String(nowMicros()).padStart(STAMP_DIGITS, '0') + data.slice(start + STAMP_DIGITS)
        state.stamped += 1
      }
    }
    return (original as (...args: unknown[]) => void).call(this, data, ...rest)
  } as typeof WebSocket.prototype.send
  installed = state
  return state
}
