import type { ClawChat } from '@clawchat/client'
import { localSessionKey } from './session-route.js'

export interface OtherTabRepliesOptions {
  /** The session on screen. */
  current(): string
  /** True for a run this page streamed or followed itself. */
  isOwn(runId: string): boolean
  /** True while this page streams or follows a reply in `sessionKey` (or is about to). */
  following(sessionKey: string): boolean
  /** A reply started elsewhere in the session on screen: show it (history, then `chat.attach`). */
  onStart(sessionKey: string): void
  /** A reply from elsewhere ended (or started in another chat): refresh the list, and the chat on screen. */
  onEnd(sessionKey: string): void
}

const TERMINAL = new Set(['final', 'aborted', 'error'])

/**
 * Replies started elsewhere — another tab or device of the same user, a message restored from the
 * send queue after a reload — in the session on screen: the proxy sends a user's events to all of
 * that user's connections. The page then loads the history and follows the reply with
 * `chat.attach`, as after a reload; a reply in another chat updates the list (its dot).
 * @returns a function that stops watching
 */
export function watchOtherTabReplies(chat: ClawChat, opts: OtherTabRepliesOptions): () => void {
  /** Runs from elsewhere seen in chats not on screen (the list is refreshed once per run). */
  const seen = new Set<string>()
  return chat.on('chat', (event) => {
    const e = event as { runId?: string; sessionKey?: string; state?: string }
    if (!e.runId || e.sessionKey === undefined) return
    const key = localSessionKey(e.sessionKey)
    if (opts.isOwn(e.runId) || opts.following(key)) return
    if (TERMINAL.has(e.state ?? '')) {
      seen.delete(e.runId)
      opts.onEnd(key)
    } else if (key === opts.current()) opts.onStart(key)
    else if (!seen.has(e.runId)) {
      seen.add(e.runId)
      opts.onEnd(key)
    }
  })
}
