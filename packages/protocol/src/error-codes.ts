/**
 * The error codes a browser can receive in `error.code`: OpenClaw's own codes, plus ClawChat's
 * `RATE_LIMITED` (sent with `retryAfterMs`). A request error never closes the socket.
 *
 * @example
 * if (err.code === ErrorCodes.RATE_LIMITED) await sleep(err.retryAfterMs ?? 1000)
 */
export const ErrorCodes = {
  /** Retained by OpenClaw for source compatibility; no current emitter. */
  NOT_LINKED: 'NOT_LINKED',
  /** The device still needs a pairing approval on the gateway host. */
  NOT_PAIRED: 'NOT_PAIRED',
  /** Retained by OpenClaw for source compatibility; no current emitter. */
  AGENT_TIMEOUT: 'AGENT_TIMEOUT',
  /** The frame or its params were not valid; the message says what was wrong. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** This user may not call this method, or not on this session. */
  FORBIDDEN: 'FORBIDDEN',
  /** An approval that is missing or expired. */
  APPROVAL_NOT_FOUND: 'APPROVAL_NOT_FOUND',
  /** The gateway is unreachable or starting; `retryable: true`. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** ClawChat: too many messages; retry after `retryAfterMs`. The connection stays open. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** Every error code, in table order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCodes)
