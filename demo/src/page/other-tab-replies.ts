import { messageText, type ClawChat } from '@clawchat/client'
import type { MessageList, ReplyHandle } from './message-list.js'
import { localSessionKey } from './session-route.js'

export interface OtherTabRepliesOptions {
  /** The session on screen. */
  current(): string
  /** True for a run this page started itself (or a run of this session this page is sending). */
  isOwn(runId: string, sessionKey: string): boolean
  messages: MessageList
  /** A reply from elsewhere ended: refresh history and sessions. */
  onEnd(): void
}

/**
 * Shows replies that another tab of the same user started in the session on screen: the proxy
 * sends a user's events to all of that user's connections.
 * @returns a function that stops watching, and one that forgets the bubbles (after a re-render)
 */
export function watchOtherTabReplies(
  chat: ClawChat,
  opts: OtherTabRepliesOptions,
): { off: () => void; reset: () => void } {
  const bubbles = new Map<string, ReplyHandle>()
  const off = chat.on('chat', (event) => {
    const e = event as {
      runId?: string
      sessionKey?: string
      state?: string
      message?: { content?: unknown }
      deltaText?: string
    }
    if (!e.runId || e.sessionKey === undefined) return
    const key = localSessionKey(e.sessionKey)
    if (key !== opts.current() || opts.isOwn(e.runId, key)) return
    if (e.state === 'delta') {
      let reply = bubbles.get(e.runId)
      if (!reply) bubbles.set(e.runId, (reply = opts.messages.addReply(e.runId)))
      reply.update(messageText(e.message?.content) || reply.text + (e.deltaText ?? ''))
    } else if (e.state === 'final' || e.state === 'aborted' || e.state === 'error') {
      bubbles.delete(e.runId)
      opts.onEnd()
    }
  })
  return { off, reset: () => bubbles.clear() }
}
