/**
 * Error objects the proxy sends to browsers (OpenClaw's `{code, message, details?, retryable?,
 * retryAfterMs?}`), and the redaction every outgoing text goes through.
 */
import { ErrorCodes, MISCONFIGURED_REASON, type ErrorShape } from '@clawchat/protocol'

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

/**
 * `UNAVAILABLE`, not retryable: the gateway refused the proxy for a reason a person must fix (a
 * wrong token, a device not yet approved, a protocol mismatch). `details.reason` says so, for clients.
 */
export function misconfigured(message: string): ErrorShape {
  return { code: ErrorCodes.UNAVAILABLE, message, retryable: false, details: { reason: MISCONFIGURED_REASON } }
}

/** `RATE_LIMITED`, retryable after `retryAfterMs`. */
export function rateLimited(message: string, retryAfterMs: number): ErrorShape {
  return { code: ErrorCodes.RATE_LIMITED, message, retryable: true, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) }
}

/** Replaces every occurrence of each secret in `text`. */
export type Redactor = (text: string) => string

/** A redactor that can learn more secrets later (the device key, once it is loaded). */
export interface SecretRedactor extends Redactor {
  /** Adds secrets; empty and very short values are ignored (they would redact ordinary text). */
  add(...secrets: readonly (string | undefined)[]): void
}

/**
 * A redactor for the given secrets (the gateway token): the first invariant is that it never
 * reaches a browser, a log line or an error message, whatever path a string took.
 *
 * @example
 * const redact = createRedactor([token]); redact(`oops ${token}`) // 'oops [redacted]'
 */
export function createRedactor(secrets: readonly (string | undefined)[]): SecretRedactor {
  const list: string[] = []
  const redact = ((text: string) => {
    let out = text
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join('[redacted]')
    return out
  }) as SecretRedactor
  const push = (secret: string) => {
    // Also as it reads inside JSON text (a PEM's newlines become "\\n"): logs and audit lines are
    // redacted after serialisation.
    for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) if (!list.includes(form)) list.push(form)
    // Longest first, so that a secret containing another is replaced whole.
    list.sort((a, b) => b.length - a.length)
  }
  redact.add = (...more) => {
    for (const secret of more) if (typeof secret === 'string' && secret.length >= 8) push(secret)
  }
  for (const secret of secrets) if (typeof secret === 'string' && secret.length > 0) push(secret)
  return redact
}

/** An `Error`'s message (or the value as text), for logs; callers redact it. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error))
}

/** The most UTF-8 bytes a WebSocket close reason may have (RFC 6455: 125 minus the code). */
export const CLOSE_REASON_MAX_BYTES = 123

/**
 * A close reason that fits a close frame: `text` itself when it has at most 123 UTF-8 bytes, else
 * its longest prefix that does — cut between code points, never inside a character (a lone
 * surrogate counts as the 3 bytes of the U+FFFD it is sent as). `ws` throws a `RangeError` for a
 * longer reason, so every close the proxy makes goes through this.
 *
 * @example
 * closeReason('logged out')           // 'logged out'
 * closeReason('🦀'.repeat(40))        // '🦀' × 30 (120 bytes): a 31st would make 124
 */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= CLOSE_REASON_MAX_BYTES) return text
  let bytes = 0
  let end = 0
  for (const char of text) {
    bytes += Buffer.byteLength(char)
    if (bytes > CLOSE_REASON_MAX_BYTES) break
    end += char.length
  }
  return text.slice(0, end)
}
