import type { ChatAttachment } from '@clawchat/protocol'

/**
 * Options every request takes.
 *
 * @example
 * await chat.request('sessions.list', {}, { timeoutMs: 5000, signal: AbortSignal.timeout(10_000) })
 */
export interface RequestOptions {
  /**
   * Rejects with an `AbortError` when it fires; the server is told (`cancel` frame, or `chat.abort`
   * for a send).
   */
  signal?: AbortSignal
  /** This request's own timeout in ms (default: `requestTimeoutMs`). */
  timeoutMs?: number
}

/**
 * Options of `chat.send()`.
 *
 * @example
 * const attachments = [{ type: 'image', mimeType: 'image/png', content: base64 }]
 * await chat.send('Hello', { sessionKey: 'work', attachments })
 */
export interface SendOptions extends RequestOptions {
  /** The session; default `main` (the user's own session). */
  sessionKey?: string
  attachments?: ChatAttachment[]
}

/**
 * Options of `chat.history()`.
 *
 * @example
 * await chat.history({ sessionKey: 'work', limit: 50 })
 */
export interface HistoryOptions extends RequestOptions {
  sessionKey?: string
  /** At most this many messages (the latest). */
  limit?: number
}

/**
 * Options of `chat.abort()`: the session's active run, or the named one.
 *
 * @example
 * await chat.abort({ sessionKey: 'work' })
 */
export interface AbortRunOptions extends RequestOptions {
  sessionKey?: string
  runId?: string
}
