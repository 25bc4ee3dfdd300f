/**
 * What the SDK does when its socket closes with a given code (docs/ARCHITECTURE.md "The wire", close codes).
 * - `stop`: do not reconnect; the state becomes `closed` (e.g. logged out).
 * - `reconnect-now`: reconnect at once (the new upgrade re-authenticates).
 * - `backoff`: reconnect with the usual jittered exponential backoff.
 * - `backoff-long`: reconnect, but with a longer backoff (too many connections).
 * - `reconnect-drop-oversized`: reconnect; the request that was too big is rejected, not re-sent.
 * - `reconnect-resync`: reconnect, then emit `resync` (events may have been dropped).
 */
export type CloseAction =
  'stop' | 'reconnect-now' | 'backoff' | 'backoff-long' | 'reconnect-drop-oversized' | 'reconnect-resync'

/** One row of the close-code table. */
export interface CloseCodeInfo {
  readonly code: number
  readonly name: string
  readonly meaning: string
  readonly action: CloseAction
}

/**
 * The WebSocket close codes the proxy uses, by name.
 *
 * @example
 * socket.close(CloseCodes.LOGGED_OUT, 'logged out')
 */
export const CloseCodes = {
  LOGGED_OUT: 4401,
  MAX_LIFETIME: 4408,
  TOO_MANY_CONNECTIONS: 4429,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SLOW_CONSUMER: 1013,
  SERVICE_RESTART: 1012,
  GOING_AWAY: 1001,
} as const

/** One of {@link CloseCodes}. */
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes]

/**
 * The close-code table: each code, what it means and what the SDK does about it.
 *
 * @example
 * const row = CLOSE_CODE_TABLE.find((r) => r.code === event.code)
 */
export const CLOSE_CODE_TABLE: readonly CloseCodeInfo[] = [
  {
    code: 4401,
    name: 'LOGGED_OUT',
    meaning: 'logged out, session expired or destroyed, or disconnectUser',
    action: 'stop',
  },
  { code: 4408, name: 'MAX_LIFETIME', meaning: 'maximum connection lifetime reached', action: 'reconnect-now' },
  { code: 4429, name: 'TOO_MANY_CONNECTIONS', meaning: 'too many connections for this user', action: 'backoff-long' },
  {
    code: 1008,
    name: 'POLICY_VIOLATION',
    meaning: 'protocol violation (binary frame, invalid connect, ...)',
    action: 'backoff',
  },
  { code: 1009, name: 'MESSAGE_TOO_BIG', meaning: 'frame over maxPayload', action: 'reconnect-drop-oversized' },
  {
    code: 1013,
    name: 'SLOW_CONSUMER',
    meaning: 'the outbound queue passed its high-water mark',
    action: 'reconnect-resync',
  },
  { code: 1012, name: 'SERVICE_RESTART', meaning: 'proxy restarting or shutting down', action: 'backoff' },
  { code: 1001, name: 'GOING_AWAY', meaning: 'going away', action: 'backoff' },
]

const byCode = new Map(CLOSE_CODE_TABLE.map((row) => [row.code, row]))

/**
 * What the SDK does for a close code. Codes not in the table (1006 after a refused upgrade or a
 * dropped network, 1000, ...) mean `backoff`: the SDK then asks `GET <path>/session` whether the
 * user is still logged in.
 *
 * @example
 * closeAction(4401) // 'stop'
 * closeAction(1006) // 'backoff'
 */
export function closeAction(code: number): CloseAction {
  return byCode.get(code)?.action ?? 'backoff'
}
