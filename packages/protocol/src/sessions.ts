/**
 * The session methods of the typed map: list, reset, and managing one's own chats (issue 20) —
 * rename, pin, archive (`sessions.patch`), delete, and rewind to just before one of the user's
 * messages (to edit it or regenerate the reply). Through the proxy every key is the caller's own:
 * another user's session cannot be named, and a label is the user's own (labels are unique
 * gateway-wide; the proxy keeps each user's apart, so one user's label never shows to or collides
 * with another's).
 */

/**
 * Params of `sessions.list`: one page of the user's own sessions, by last activity (the gateway's
 * `sortBy: 'lastInteractionAt'`), newest first. Pinned ones are marked `pinned`, not put first
 * (the gateway gives that order no pin priority); the demo shows them on top.
 */
export interface SessionsListParams {
  /** Sessions at most (through the proxy: 1 to its `limits.sessionsListMaxRows`, default 100). */
  limit?: number
  /** Where the page starts: `nextOffset` of the previous page. Default 0. */
  offset?: number
  /** Add each session's `lastMessagePreview` (through the proxy: default true). */
  includeLastMessage?: boolean
  /** Add each session's `derivedTitle`, from its first message (through the proxy: default true). */
  includeDerivedTitles?: boolean
  /** `true`: archived sessions only; `'all'`: archived and not; left out or `false`: not archived. */
  archived?: boolean | 'all'
}

/**
 * One session of the user's own, with only the fields of {@link SESSION_ROW_FIELDS} (and, in
 * `sessions.list`, `lastMessagePreview`). Its title for a list: `label ?? derivedTitle ?? key`.
 */
export interface SessionSummary {
  key: string
  label?: string
  displayName?: string
  derivedTitle?: string
  /** `sessions.list` only (not in `sessions.changed`): a short preview of the session's last message. */
  lastMessagePreview?: string
  createdAt?: number
  updatedAt?: number
  lastInteractionAt?: number
  status?: string
  hasActiveRun?: boolean
  /** The session's runs in progress, in the browser's run ids (see `ChatHistoryResult.activeRunIds`). */
  activeRunIds?: string[]
  /** Pinned by its user (`sessions.patch`). */
  pinned?: boolean
  /** Archived by its user (`sessions.patch`); left out of `sessions.list` unless asked for. */
  archived?: boolean
  unread?: boolean
  abortedLastRun?: boolean
  inputTokens?: number
  outputTokens?: number
  totalTokens?: number
  modelProvider?: string
  model?: string
}

/** Answer to `sessions.list`: the user's own sessions only. */
export interface SessionsListResult {
  count: number
  sessions: SessionSummary[]
  /** More sessions exist: ask again with `offset: nextOffset`. */
  hasMore?: boolean
  /** While `hasMore`: the `offset` of the next page. */
  nextOffset?: number
}

/** Params of `sessions.reset`. */
export interface SessionsResetParams {
  key?: string
  /** Why: `new` (start over) or `reset`. */
  reason?: 'new' | 'reset'
}

/** Answer to `sessions.reset`. */
export interface SessionsResetResult {
  ok: boolean
  key: string
}

/**
 * Params of `sessions.patch` as ClawChat allows them: a session's `label` (its name in the list;
 * `null` clears it), `pinned` and `archived`. At least one of them; nothing else.
 *
 * @example
 * await chat.request('sessions.patch', { key: 'work', label: 'Trip to Lisbon', pinned: true })
 */
export interface SessionsPatchParams {
  key: string
  /** 1–100 characters after trimming, no control characters; `null` clears the label. */
  label?: string | null
  pinned?: boolean
  archived?: boolean
}

/** Answer to `sessions.patch`: the session's fields after the change. */
export interface SessionsPatchResult {
  ok: boolean
  key: string
  label?: string
  pinned?: boolean
  archived?: boolean
}

/** Params of `sessions.delete`: one of the caller's sessions, with its transcript. */
export interface SessionsDeleteParams {
  key: string
}

/** Answer to `sessions.delete`: `deleted` is false when there was no such session. */
export interface SessionsDeleteResult {
  ok: boolean
  key: string
  deleted: boolean
}

/**
 * Params of `sessions.rewind`: the session goes back to just before the user message `entryId`
 * (a `chat.history` message's `id`); that message and everything after it leave the history.
 * Regenerate = rewind to the last user message and send its text again; edit = rewind to a user
 * message and send the new text.
 */
export interface SessionsRewindParams {
  sessionKey: string
  entryId: string
}

/** Answer to `sessions.rewind`: the text of the message rewound over (to put back in the composer). */
export interface SessionsRewindResult {
  ok: boolean
  editorText?: string
}
