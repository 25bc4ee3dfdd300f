import type { ChatMessage } from '@clawchat/protocol'
import { messageText } from './message-text.js'

/**
 * The text of a chat message (or of a bare string): its `content` read by {@link messageText};
 * `undefined` for anything that is not a message with a string or array `content`.
 *
 * @example
 * textOfMessage({ role: 'assistant', content: [{ type: 'text', text: 'Hi' }] }) // 'Hi'
 */
export function textOfMessage(message: unknown): string | undefined {
  if (typeof message === 'string') return message
  if (!message || typeof message !== 'object') return undefined
  const content = (message as { content?: unknown }).content
  return typeof content === 'string' || Array.isArray(content) ? messageText(content) : undefined
}

/** What {@link findReply} found. */
export interface ReplyMatch {
  /** The user's message of the run is in the history. */
  user: boolean
  /** The assistant's reply to it, when there is one. */
  reply?: ChatMessage
}

/** The run a message belongs to, when the history says it (a gateway's own rows do; the proxy's do not). */
function runOf(m: ChatMessage): string | undefined {
  const r = m as { runId?: unknown; idempotencyKey?: unknown; __openclaw?: { runId?: unknown } }
  const id = r.runId ?? r.__openclaw?.runId ?? r.idempotencyKey
  return typeof id === 'string' ? id.replace(/:user$/, '') : undefined
}

/**
 * Finds the assistant's reply of run `runId` (started by the user message `text`) in a session's
 * history. Rows that name their run are matched by it: when the proxy names the runs of the rows
 * (`runId`, and a gateway recovery reply carries the run it answers), by it only — never another
 * run's reply, never a stop at a `[System] …interrupted` row. Otherwise by position: the last user
 * message with this text, then the last assistant message after it (before the next user message)
 * that names no other run. Without `text` (not known), only rows that name the run are matched.
 *
 * @example
 * findReply(history.messages, 'Hello', runId) // { user: true, reply: { role: 'assistant', ... } }
 */
export function findReply(messages: readonly ChatMessage[], text: string | undefined, runId: string): ReplyMatch {
  const byRun = messages.filter((m) => runOf(m) === runId)
  const userByRun = byRun.find((m) => m.role === 'user')
  const replyByRun = byRun.filter((m) => m.role === 'assistant').pop()
  if (replyByRun) return { user: true, reply: replyByRun }
  if (userByRun && typeof userByRun.runId === 'string') return { user: true }
  let start = userByRun ? messages.indexOf(userByRun) : -1
  if (start < 0 && text !== undefined) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!
      const own = runOf(m)
      if (m.role === 'user' && (own === undefined || own === runId) && textOfMessage(m) === text) {
        start = i
        break
      }
    }
  }
  if (start < 0) return { user: false }
  let reply: ChatMessage | undefined
  for (let i = start + 1; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role === 'user') break
    if (m.role === 'assistant' && runOf(m) === undefined) reply = m
  }
  return reply ? { user: true, reply } : { user: true }
}
