/**
 * What one browser request may make the gateway send back over the ONE shared link — pure.
 *
 * `ws` closes a whole connection on a frame over its limit (25 MiB in `@openclaw/gateway-client`),
 * and every user's traffic waits behind a large answer, so an answer's size is bounded before it
 * is asked for, on every upstream call:
 *
 * - `chat.history` always goes with `limit` (≤ `historyMaxMessages`), `maxChars` (≤
 *   `historyMaxChars`, 8000 when the browser says nothing — the gateway's own default) and
 *   `maxBytes` (`historyMaxBytes`): the gateway then sends at most that many bytes of messages,
 *   the newest ones, and says where the older ones start (`nextOffset`). Measured on the real
 *   gateway 2026.9.6 (e2e/real-gateway/probes/history-and-list.probe.ts): texts are cut to
 *   `maxChars` plus "\n...(truncated)...", a message over 128 KiB becomes a placeholder, and the
 *   messages of one answer never pass 6 MiB.
 * - `sessions.list` is ONE upstream request for the caller's own sessions: the gateway's `search`
 *   (a lower-cased substring match on the session key, among other fields) with the caller's key
 *   prefix `:<namespace>:<base32(userId)>:`, which no key of another user or namespace contains
 *   (base32 has no `:`), paged with `limit` (≤ `sessionsListMaxRows`) and `offset`. Rows that match
 *   for another reason (a label quoting the prefix) are dropped by the ownership check after.
 */
import { DEFAULT_LIMITS, type ProxyLimits } from '../limits/limits.js'
import { base32Encode } from './session-keys.js'

/** The limits that bound reads. */
export type ReadBounds = Pick<
  ProxyLimits,
  'historyMaxMessages' | 'historyMaxChars' | 'historyMaxBytes' | 'sessionsListMaxRows'
>

/** Characters of each text when the browser gives no `maxChars` (the gateway's own default). */
export const HISTORY_DEFAULT_MAX_CHARS = 8000
/** Rows of a `sessions.list` page when the browser gives no `limit` (the gateway's own default). */
export const SESSIONS_LIST_DEFAULT_ROWS = 100

type Params = Record<string, unknown>

/** What to send upstream, or what was wrong with the browser's params. */
export type ReadRequest = { ok: true; upstream: Params } | { ok: false; problem: string }

/** The bounds of `limits`, the defaults for any it does not have. */
export function readBounds(limits: Partial<ReadBounds> | undefined): ReadBounds {
  return {
    historyMaxMessages: limits?.historyMaxMessages ?? DEFAULT_LIMITS.historyMaxMessages,
    historyMaxChars: limits?.historyMaxChars ?? DEFAULT_LIMITS.historyMaxChars,
    historyMaxBytes: limits?.historyMaxBytes ?? DEFAULT_LIMITS.historyMaxBytes,
    sessionsListMaxRows: limits?.sessionsListMaxRows ?? DEFAULT_LIMITS.sessionsListMaxRows,
  }
}

function integerProblem(name: string, value: unknown, min: number, max: number, hint = ''): string | null {
  if (value === undefined) return null
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return null
  return `${name} must be an integer from ${min} to ${max}${hint}`
}

/**
 * The bounded upstream params of a browser's `chat.history` (`limit`, `offset`, `maxChars`; the
 * session key is the caller's business). `limit` defaults to `historyMaxMessages`.
 *
 * @example
 * historyRequest({ limit: 50 }, readBounds(undefined))
 * // { ok: true, upstream: { limit: 50, maxChars: 8000, maxBytes: 1048576 } }
 */
export function historyRequest(params: Params, bounds: ReadBounds): ReadRequest {
  const problem =
    integerProblem('limit', params.limit, 1, bounds.historyMaxMessages, ' (page older messages with offset)') ??
    integerProblem('offset', params.offset, 0, Number.MAX_SAFE_INTEGER) ??
    integerProblem('maxChars', params.maxChars, 1, bounds.historyMaxChars)
  if (problem) return { ok: false, problem }
  const upstream: Params = {
    limit: typeof params.limit === 'number' ? params.limit : bounds.historyMaxMessages,
    maxChars:
      typeof params.maxChars === 'number'
        ? params.maxChars
        : Math.min(HISTORY_DEFAULT_MAX_CHARS, bounds.historyMaxChars),
    maxBytes: bounds.historyMaxBytes,
  }
  if (typeof params.offset === 'number') upstream.offset = params.offset
  return { ok: true, upstream }
}

/**
 * The paging fields of a `chat.history` answer: `hasMore`, `totalMessages`, and `nextOffset` (the
 * `offset` of the next, older page) while there is more.
 */
export function historyPaging(source: Params): Params {
  const out: Params = {}
  if (typeof source.hasMore === 'boolean') out.hasMore = source.hasMore
  if (typeof source.totalMessages === 'number') out.totalMessages = source.totalMessages
  if (source.hasMore === true && typeof source.nextOffset === 'number' && Number.isSafeInteger(source.nextOffset))
    out.nextOffset = source.nextOffset
  return out
}

/**
 * Whether the gateway shortened a history message (its text cut to `maxChars`, or the whole
 * message omitted as too large).
 */
export function wasTruncated(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false
  const meta = (message as Params).__openclaw
  return typeof meta === 'object' && meta !== null && (meta as Params).truncated === true
}

/**
 * The `search` that finds the sessions of `userId`, and only theirs among this namespace's: the
 * `:<namespace>:<base32(userId)>:` inside every canonical key `agent:<id>:<namespace>:<b32>:<key>`.
 *
 * @example
 * ownSessionsSearch('clawchat', 'alice') // ':clawchat:mfwgsy3f:'
 */
export function ownSessionsSearch(namespace: string, userId: string): string {
  return `:${namespace}:${base32Encode(userId)}:`
}

/**
 * The one upstream request of a browser's `sessions.list` (`limit`, `offset`, `includeLastMessage`,
 * `includeDerivedTitles`, `archived`; both include flags default to true: a chat list shows a title
 * and the last message), sorted by last interaction. The bounds are checked here; the flags' types
 * by the gateway's schema (`upstream-params.ts`).
 *
 * @example
 * sessionsListRequest({ limit: 20 }, readBounds(undefined), 'clawchat', 'alice')
 * // { ok: true, upstream: {
 * //   search: ':clawchat:mfwgsy3f:', limit: 20, includeLastMessage: true, includeDerivedTitles: true,
 * //   sortBy: 'lastInteractionAt' } }
 */
export function sessionsListRequest(
  params: Params,
  bounds: ReadBounds,
  namespace: string,
  userId: string,
): ReadRequest {
  const problem =
    integerProblem('limit', params.limit, 1, bounds.sessionsListMaxRows, ' (page with offset)') ??
    integerProblem('offset', params.offset, 0, Number.MAX_SAFE_INTEGER)
  if (problem) return { ok: false, problem }
  const upstream: Params = {
    search: ownSessionsSearch(namespace, userId),
    limit:
      typeof params.limit === 'number'
        ? params.limit
        : Math.min(SESSIONS_LIST_DEFAULT_ROWS, bounds.sessionsListMaxRows),
  }
  if (typeof params.offset === 'number' && params.offset > 0) upstream.offset = params.offset
  // Passed as sent (the gateway's schema checks they are booleans, `archived` also 'all', before
  // anything goes upstream).
  upstream.includeLastMessage = params.includeLastMessage ?? true
  upstream.includeDerivedTitles = params.includeDerivedTitles ?? true
  if (params.archived !== undefined) upstream.archived = params.archived
  // By last activity, newest first: a chat list's order.
  upstream.sortBy = 'lastInteractionAt'
  return { ok: true, upstream }
}

/** Characters of a `lastMessagePreview` a browser gets at most (the gateway's are shorter still). */
export const PREVIEW_MAX_CHARS = 240

/**
 * A row's `lastMessagePreview` for its owner's `sessions.list` (never in `sessions.changed`
 * events), cut to {@link PREVIEW_MAX_CHARS}; `undefined` when the row has none.
 */
export function previewOf(row: unknown): string | undefined {
  if (typeof row !== 'object' || row === null) return undefined
  const preview = (row as Params).lastMessagePreview
  if (typeof preview !== 'string') return undefined
  return preview.length > PREVIEW_MAX_CHARS ? preview.slice(0, PREVIEW_MAX_CHARS) : preview
}

/** The paging fields of a `sessions.list` answer: `hasMore`, and `nextOffset` while there is more. */
export function sessionsListPaging(source: Params): Params {
  const hasMore =
    source.hasMore === true && typeof source.nextOffset === 'number' && Number.isSafeInteger(source.nextOffset)
  return hasMore ? { hasMore, nextOffset: source.nextOffset } : { hasMore: false }
}
