import type { StoredMessage } from './session-store.js'

/*
 * One page of `chat.history`, bounded like the real gateway 2026.9.6 bounds it (measured with
 * e2e/real-gateway/probes/history-and-list.probe.ts; fixtures in test/fixtures/paging/):
 * - every text is cut to `maxChars` characters (default 8000) plus "\n...(truncated)...", and the
 *   message's `__openclaw` says `truncated: true, reason: "display-cap"`;
 * - a message still over 128 KiB of JSON becomes the "[chat.history omitted: message too large]"
 *   placeholder (`reason: "oversized"`);
 * - the page's messages are at most `min(maxBytes, 6 MiB)` of JSON: the oldest go first, one stays;
 * - `offset` counts messages back from the newest; `nextOffset` (only while `hasMore`) is where
 *   the next, older page starts.
 */

/** Messages of a page when `limit` is not given (the real gateway's default). */
export const HISTORY_DEFAULT_LIMIT = 200
/** Characters a text keeps when `maxChars` is not given. */
export const HISTORY_DEFAULT_MAX_CHARS = 8000
/** What a cut text ends with. */
export const HISTORY_TRUNCATION_SUFFIX = '\n...(truncated)...'
/** JSON bytes of one message above which it is replaced by {@link HISTORY_OVERSIZED_PLACEHOLDER}. */
export const HISTORY_MAX_SINGLE_MESSAGE_BYTES = 131_072
/** The text of a message too large to show. */
export const HISTORY_OVERSIZED_PLACEHOLDER = '[chat.history omitted: message too large]'
/** JSON bytes of a page's messages at most, whatever `maxBytes` says. */
export const HISTORY_MAX_MESSAGES_BYTES = 6_291_456

/** The paging and size parameters of a `chat.history` request. */
export interface HistoryPageRequest {
  limit?: number
  offset?: number
  maxChars?: number
  maxBytes?: number
}

/** One page and its paging fields. */
export interface HistoryPage {
  messages: StoredMessage[]
  totalMessages: number
  hasMore: boolean
  /** Where the next (older) page starts; only while `hasMore`. */
  nextOffset?: number
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8')

/** `text` cut to `maxChars` UTF-16 units without splitting a surrogate pair; `undefined` when it fits. */
function cut(text: string, maxChars: number): string | undefined {
  if (text.length <= maxChars) return undefined
  let end = maxChars
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return `${text.slice(0, end)}${HISTORY_TRUNCATION_SUFFIX}`
}

/** A copy of `message` with its texts cut to `maxChars`, marked when anything was cut. */
function projectMessage(message: StoredMessage, maxChars: number): StoredMessage {
  const copy = structuredClone(message)
  let truncated = false
  if (typeof copy.content === 'string') {
    const shorter = cut(copy.content, maxChars)
    if (shorter !== undefined) {
      copy.content = shorter
      truncated = true
    }
  } else if (Array.isArray(copy.content)) {
    copy.content = copy.content.map((block: unknown) => {
      if (typeof block !== 'object' || block === null) return block
      const b = block as Record<string, unknown>
      if (typeof b.text !== 'string') return block
      const shorter = cut(b.text, maxChars)
      if (shorter === undefined) return block
      truncated = true
      return { ...b, text: shorter }
    })
  }
  if (truncated) {
    const meta = (copy.__openclaw ?? {}) as Record<string, unknown>
    copy.__openclaw = {
      ...meta,
      truncated: true,
      reason: typeof meta.reason === 'string' ? meta.reason : 'display-cap',
    }
  }
  return copy
}

/** The placeholder the real gateway shows instead of a message over 128 KiB. */
function oversizedPlaceholder(message: StoredMessage): StoredMessage {
  const meta = (message.__openclaw ?? {}) as Record<string, unknown>
  const kept: Record<string, unknown> = {}
  for (const key of ['id', 'seq', 'idempotencyKey', 'transcriptPosition'] as const)
    if (meta[key] !== undefined) kept[key] = meta[key]
  return {
    role: typeof message.role === 'string' ? message.role : 'assistant',
    timestamp: typeof message.timestamp === 'number' ? message.timestamp : Date.now(),
    content: [{ type: 'text', text: HISTORY_OVERSIZED_PLACEHOLDER }],
    __openclaw: { ...kept, truncated: true, reason: 'oversized' },
  }
}

/**
 * The page of `all` (oldest first) that `req` asks for.
 *
 * @example
 * readHistoryPage(session.messages, { limit: 50, maxChars: 8000, maxBytes: 1 << 20 })
 */
export function readHistoryPage(all: readonly StoredMessage[], req: HistoryPageRequest): HistoryPage {
  const limit = req.limit ?? HISTORY_DEFAULT_LIMIT
  const offset = req.offset ?? 0
  const maxChars = req.maxChars ?? HISTORY_DEFAULT_MAX_CHARS
  const maxBytes = Math.min(req.maxBytes ?? Infinity, HISTORY_MAX_MESSAGES_BYTES)
  const total = all.length
  const end = Math.max(0, total - offset)
  const window = all.slice(Math.max(0, end - limit), end)
  const projected = window.map((m) => {
    const shown = projectMessage(m, maxChars)
    return jsonBytes(shown) > HISTORY_MAX_SINGLE_MESSAGE_BYTES ? oversizedPlaceholder(m) : shown
  })
  // The oldest go first until the page fits; one message always stays.
  const sizes = projected.map(jsonBytes)
  let bytes = 2 + sizes.reduce((a, b) => a + b, 0) + Math.max(0, projected.length - 1)
  let start = 0
  while (bytes > maxBytes && start < projected.length - 1) {
    bytes -= (sizes[start] ?? 0) + 1
    start += 1
  }
  const messages = projected.slice(start)
  const oldestIndex = end - messages.length
  const nextOffset = messages.length === 0 ? offset : Math.max(offset + 1, total - oldestIndex)
  const hasMore = nextOffset < total
  return { messages, totalMessages: total, hasMore, ...(hasMore ? { nextOffset } : {}) }
}
