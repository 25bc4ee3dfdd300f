import type { ErrorShape } from '@clawchat/protocol'

/**
 * Why a {@link ClawChat} stopped for good:
 * - `logged-out`: the proxy closed with 4401, or `GET <path>/session` answered 401 after a failed reconnect;
 * - `closed`: the page called `chat.close()`;
 * - `auth-failed`: direct mode only, the gateway refused the token or device for good.
 *
 * @example
 * if (chat.closeReason === 'logged-out') location.assign('/login')
 */
export type CloseReason = 'logged-out' | 'closed' | 'auth-failed'

/**
 * Base class of every error the SDK throws or rejects with.
 *
 * @example
 * try { await chat.send('Hello') } catch (e) { if (e instanceof ClawChatError && e.retryable) retryLater() }
 */
export class ClawChatError extends Error {
  override name = 'ClawChatError'
  /**
   * A machine-readable code: the proxy's (`FORBIDDEN`, `RATE_LIMITED`, …) or the SDK's (`CLIENT_TIMEOUT`,
   * `CLOSED`, …).
   */
  readonly code: string
  /** True when trying the same thing again later may work. */
  readonly retryable: boolean

  constructor(code: string, message: string, retryable = false, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.retryable = retryable
  }
}

/**
 * A request the proxy (or gateway) answered with an error, or that the SDK could not deliver.
 * Carries OpenClaw's error object: `code`, `message`, `details`, `retryable`, `retryAfterMs`.
 *
 * @example
 * catch (e) {
 *   if (e instanceof ClawChatRequestError && e.code === 'RATE_LIMITED') await sleep(e.retryAfterMs ?? 1000)
 * }
 */
export class ClawChatRequestError extends ClawChatError {
  override name = 'ClawChatRequestError'
  /** Extra facts the server gave (e.g. `{ code: 'MISSING_SCOPE', missingScope }`). */
  readonly details?: unknown
  /** When set, wait this long before retrying. */
  readonly retryAfterMs?: number
  /** The method of the failed request. */
  readonly method: string

  constructor(method: string, error: Partial<ErrorShape>) {
    super(error.code ?? 'UNKNOWN', error.message ?? `${method} failed`, error.retryable === true)
    this.method = method
    if (error.details !== undefined) this.details = error.details
    if (typeof error.retryAfterMs === 'number') this.retryAfterMs = error.retryAfterMs
  }
}

/**
 * No answer arrived within the request timeout (`requestTimeoutMs`, or the request's own `timeoutMs`).
 * The clock starts when the request is written to the socket, not while it waits in the queue.
 *
 * @example
 * catch (e) { if (e instanceof ClawChatTimeoutError) console.warn(`${e.method} took over ${e.timeoutMs} ms`) }
 */
export class ClawChatTimeoutError extends ClawChatError {
  override name = 'ClawChatTimeoutError'
  readonly method: string
  readonly timeoutMs: number

  constructor(method: string, timeoutMs: number) {
    super(
      'CLIENT_TIMEOUT',
      `${method} got no answer within ${timeoutMs} ms; it may still have run. Retry, or raise requestTimeoutMs.`,
      true,
    )
    this.method = method
    this.timeoutMs = timeoutMs
  }
}

/**
 * The client is closed (`chat.close()`, logged out, or refused for good); see `reason`.
 *
 * @example
 * catch (e) { if (e instanceof ClawChatClosedError && e.reason === 'logged-out') location.assign('/login') }
 */
export class ClawChatClosedError extends ClawChatError {
  override name = 'ClawChatClosedError'
  readonly reason: CloseReason

  constructor(reason: CloseReason) {
    super(
      'CLOSED',
      `ClawChat is closed (${reason})${reason === 'logged-out' ? ': log in again, then create a new ClawChat' : ''}.`,
    )
    this.reason = reason
  }
}

/**
 * The request's `AbortSignal` fired. `name` is `'AbortError'`, as with `fetch`.
 *
 * @example
 * catch (e) { if ((e as Error).name === 'AbortError') return }
 */
export class ClawChatAbortError extends ClawChatError {
  override name = 'AbortError'

  constructor(what: string, reason?: unknown) {
    super('ABORTED', `${what} was aborted`, false, { cause: reason })
  }
}

/**
 * How a run ended badly: the gateway said `error` or `aborted`, or it was `lost` in a crash.
 *
 * @example
 * const retry = (e: ClawChatRunError) => e.state === 'lost'
 */
export type RunFailure = 'error' | 'aborted' | 'lost'

/**
 * A `stream()` run ended without a `final`: the model failed (`state: 'error'`), someone aborted it
 * (`'aborted'`), or it was lost while the gateway was away (`'lost'`, retryable).
 *
 * @example
 * catch (e) { if (e instanceof ClawChatRunError && e.state === 'error') show(e.message) }
 */
export class ClawChatRunError extends ClawChatError {
  override name = 'ClawChatRunError'
  readonly state: RunFailure
  readonly runId: string
  /** The gateway's classification, when it gave one (`refusal`, `timeout`, `rate_limit`, …). */
  readonly errorKind?: string

  constructor(state: RunFailure, runId: string, message: string, errorKind?: string) {
    super(
      state === 'error' ? 'RUN_FAILED' : state === 'aborted' ? 'RUN_ABORTED' : 'RUN_LOST',
      message,
      state === 'lost',
    )
    this.state = state
    this.runId = runId
    if (errorKind) this.errorKind = errorKind
  }
}
