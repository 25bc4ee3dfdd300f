/** Reading the SDK's errors by name and code (the page need not import the classes). */

interface SdkError {
  name?: string
  code?: string
  message?: string
  state?: string
  retryAfterMs?: number
  reason?: string
  details?: { reason?: unknown }
}

export function isAbort(err: unknown): boolean {
  return (err as SdkError | undefined)?.name === 'AbortError'
}

/** `error`, `aborted` or `lost` when a streamed run ended without a final answer. */
export function runFailure(err: unknown): string | undefined {
  const e = err as SdkError | undefined
  return e?.name === 'ClawChatRunError' ? e.state : undefined
}

/** A sentence for the reader. */
export function describeError(err: unknown): string {
  const e = (err ?? {}) as SdkError
  switch (e.code) {
    case 'RATE_LIMITED':
      return `Too many messages; wait ${Math.ceil((e.retryAfterMs ?? 1000) / 1000)} s and try again.`
    case 'UNAVAILABLE':
      // The gateway refuses the proxy: trying again changes nothing until an administrator acts.
      if (e.details?.reason === 'misconfigured')
        return 'Not sent: the assistant is unavailable until an administrator fixes its setup.'
      return 'The assistant is unreachable right now. Try again in a moment.'
    case 'FORBIDDEN':
      return e.message ?? 'Not allowed.'
    case 'CLOSED':
      return e.reason === 'logged-out' ? 'Not sent: you were signed out.' : 'Not sent: the connection is closed.'
    case 'RUN_LOST':
      return 'The reply was lost while the assistant restarted. Send your message again.'
    case 'QUEUE_FULL':
      return 'Too many messages are waiting for the connection; try again when it is back.'
    default:
      return e.message ?? String(err)
  }
}
