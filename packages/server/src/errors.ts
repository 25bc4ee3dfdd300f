/**
 * Error objects the proxy sends to browsers (OpenClaw's `{code, message, details?, retryable?,
 * retryAfterMs?}`), and the redaction every outgoing text goes through.
 */
import { ErrorCodes, type ErrorShape } from '@clawchat/protocol'

/** `INVALID_REQUEST`: the frame or its params were wrong; the message says what to do. */
export function invalidRequest(message: string): ErrorShape {
  return { code: ErrorCodes.INVALID_REQUEST, message }
}

/** `FORBIDDEN`: this user may not do this. */
export function forbidden(message: string): ErrorShape {
  return { code: ErrorCodes.FORBIDDEN, message }
}

/** `UNAVAILABLE`, retryable: the gateway cannot be reached right now. */
export function unavailable(message: string, retryAfterMs = 1000): ErrorShape {
  return { code: ErrorCodes.UNAVAILABLE, message, retryable: true, retryAfterMs }
}

/** `RATE_LIMITED`, retryable after `retryAfterMs`. */
export function rateLimited(message: string, retryAfterMs: number): ErrorShape {
  return { code: ErrorCodes.RATE_LIMITED, message, retryable: true, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) }
}

/** Replaces every occurrence of each secret in `text`. */
export type Redactor = (text: string) => string

/**
 * A redactor for the given secrets (the gateway token): the first invariant is that it never
 * reaches a browser, a log line or an error message, whatever path a string took.
 *
 * @example
 * const redact = createRedactor([token]); redact(`oops ${token}`) // 'oops [redacted]'
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0)
  if (list.length === 0) return (text) => text
  return (text) => {
    let out = text
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join('[redacted]')
    return out
  }
}

/** An `Error`'s message (or the value as text), for logs; callers redact it. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error)
}
