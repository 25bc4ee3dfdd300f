import type { ChatHistoryResult, ChatMessage } from '@clawchat/protocol'
import { ClawChatRequestError } from './errors.js'
import { runsNow } from './attach-run.js'
import { textOfMessage } from './history-match.js'
import type { Call } from './sessions-api.js'
import type { StreamOptions, StreamPart } from './stream.js'

/**
 * Options of `chat.regenerate()` and `chat.edit()`.
 *
 * @example
 * chat.regenerate({ sessionKey: 'work', signal: controller.signal })
 */
export interface RewindOptions {
  /** The session; default the client's own (`main`). */
  sessionKey?: string
  /** Stops the stream and aborts the new run upstream (as in `stream()`). */
  signal?: AbortSignal
}

/** What to rewind to: the user message's id, and the text to send after (`undefined`: its own text). */
export type RewindTarget = (history: ChatHistoryResult, sessionKey: string) => { entryId: string; text?: string }

/** The id of a history message: the proxy's `id`, or the gateway's own `__openclaw.id` (direct mode). */
const idOf = (m: ChatMessage): string | undefined => {
  const id = m.id ?? (m as { __openclaw?: { id?: unknown } }).__openclaw?.id
  return typeof id === 'string' ? id : undefined
}

const refuse = (message: string) => new ClawChatRequestError('sessions.rewind', { code: 'INVALID_REQUEST', message })

/**
 * The last user message of a session, to regenerate the reply to: one of the user's own runs when
 * the rows say their runs (so a gateway's `[System] …interrupted…` row is passed over).
 *
 * @example
 * chatRewind(call, stream, 'main', lastUserMessage, {})
 */
export const lastUserMessage: RewindTarget = ({ messages }, sessionKey) => {
  const users = (messages ?? []).filter((m) => m.role === 'user' && idOf(m))
  const row = users.filter((m) => m.runId !== undefined).pop() ?? users.pop()
  if (!row) throw refuse(`no message of yours in session "${sessionKey}" to regenerate`)
  return { entryId: idOf(row)! }
}

/**
 * The user message `messageId`, to send `text` in its place.
 *
 * @example
 * chatRewind(call, stream, 'main', userMessage('entry-7', 'New question'), {})
 */
export function userMessage(messageId: string, text: string): RewindTarget {
  return ({ messages }, sessionKey) => {
    if (typeof text !== 'string' || !text.trim()) throw refuse('the new text must be a non-empty string')
    const row = (messages ?? []).find((m) => idOf(m) === messageId)
    if (!row) throw refuse(`message "${messageId}" is not in session "${sessionKey}"`)
    if (row.role !== 'user') throw refuse(`message "${messageId}" is not a user message`)
    return { entryId: messageId, text }
  }
}

/**
 * Regenerate / edit: reads the session's history, picks the user message (`target`), refuses while
 * a run is in progress, rewinds the session to just before it (`sessions.rewind`), then streams
 * the reply to its text (or to the new text) like `stream()`. Errors are thrown at the first step.
 */
export async function* chatRewind(
  call: Call,
  stream: (text: string, options: StreamOptions) => AsyncGenerator<StreamPart, void, undefined>,
  sessionKey: string | Error,
  target: RewindTarget,
  { signal }: RewindOptions,
): AsyncGenerator<StreamPart, void, undefined> {
  if (sessionKey instanceof Error) throw sessionKey
  const history = await call('chat.history', { sessionKey }, { signal })
  const { entryId, text } = target(history, sessionKey)
  if (runsNow(history))
    throw new ClawChatRequestError('sessions.rewind', {
      code: 'UNAVAILABLE',
      message: `a reply is in progress in session "${sessionKey}"; wait for its end (or abort it)`,
    })
  const row = (history.messages ?? []).find((m) => idOf(m) === entryId)
  const rewound = await call('sessions.rewind', { sessionKey, entryId }, { signal })
  const again = text ?? rewound.editorText ?? (row && !row.truncated ? textOfMessage(row) : undefined)
  if (!again) throw refuse(`no text of message "${entryId}" to send again`)
  yield* stream(again, { sessionKey, ...(signal ? { signal } : {}) })
}
