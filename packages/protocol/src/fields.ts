/**
 * Field whitelists: what of the gateway's answers and events a browser may see. The proxy copies
 * only these fields (and rewrites session keys and run ids); anything the gateway adds later stays
 * hidden until it is listed here. A whitelist beats a blacklist.
 */

/** Fields of a `sessions.list` row (and a `sessions.changed` session) a user may see of their own session. */
export const SESSION_ROW_FIELDS = [
  'key',
  'label',
  'displayName',
  'derivedTitle',
  'createdAt',
  'updatedAt',
  'lastInteractionAt',
  'status',
  'hasActiveRun',
  'pinned',
  'archived',
  'unread',
  'abortedLastRun',
  'inputTokens',
  'outputTokens',
  'totalTokens',
  'modelProvider',
  'model',
] as const

/** Fields of a `chat.history` message a user may see (no `__openclaw`, sender ids or idempotency keys). */
export const HISTORY_MESSAGE_FIELDS = [
  'role',
  'content',
  'timestamp',
  'stopReason',
  'toolCallId',
  'toolName',
  'isError',
] as const

/** Fields of a `chat.history` `activity` item (one tool call of a message) a user may see. */
export const ACTIVITY_ITEM_FIELDS = [
  'itemId',
  'toolCallId',
  'name',
  'kind',
  'phase',
  'title',
  'status',
  'commandBearing',
] as const

/** Fields of a `chat` event payload a user may see (`sessionKey` and `runId` rewritten). */
export const CHAT_EVENT_FIELDS = [
  'runId',
  'sessionKey',
  'state',
  'phase',
  'seq',
  'message',
  'deltaText',
  'replace',
  'stopReason',
  'errorMessage',
  'errorKind',
  'usage',
] as const

/** Fields of an `agent` event payload a user may see (`sessionKey` and `runId` rewritten). */
export const AGENT_EVENT_FIELDS = ['runId', 'sessionKey', 'stream', 'data', 'seq', 'ts'] as const

/**
 * Fields of an `agent` event's `data` a user may see, per `stream`; only primitive values are
 * kept. The gateway puts upstream identifiers in `data` too (a lifecycle `end` carries a
 * `terminalReceipt` with the upstream run id, session id and turn id), so `data` is whitelisted
 * like everything else. A stream not listed here arrives with `data: {}`.
 */
export const AGENT_DATA_FIELDS: Readonly<Record<string, readonly string[]>> = {
  run_status: ['phase'],
  lifecycle: [
    'phase',
    'status',
    'startedAt',
    'endedAt',
    'aborted',
    'stopReason',
    'error',
    'livenessState',
    'provider',
    'model',
    'attempt',
    'maxAttempts',
    'retryAttempt',
    'maxRetries',
    'delayMs',
    'reason',
    'message',
    'replace',
    'approvalId',
    'toolCallId',
  ],
  assistant: ['text', 'delta', 'replace'],
  usage: ['inputTokens', 'outputTokens', 'totalTokens', 'cacheRead', 'cacheWrite'],
  tool: ['phase', 'name', 'toolCallId', 'parentToolCallId', 'meta', 'isError', 'commandBearing'],
  item: [
    'itemId',
    'toolCallId',
    'name',
    'kind',
    'phase',
    'title',
    'status',
    'meta',
    'commandBearing',
    'startedAt',
    'endedAt',
    'error',
  ],
  command_output: ['itemId', 'toolCallId', 'phase', 'title', 'name', 'output', 'status', 'exitCode', 'durationMs'],
  approval: ['phase', 'kind', 'status', 'title', 'itemId', 'toolCallId', 'message', 'approvalId'],
}

/**
 * The structured parts of a `tool` event's `data` a user may see, besides the primitives of
 * `AGENT_DATA_FIELDS.tool`: the call's `args` (the model's own output: the user's), and of
 * `result` / `partialResult` only `content` (text parts) — their `details` carry server paths,
 * process ids and gateway session ids and are dropped, except the few listed here.
 */
export const TOOL_RESULT_DETAIL_FIELDS = ['status', 'exitCode', 'durationMs', 'timedOut'] as const

/**
 * Fields of an approval's `request` a user may see (before the proxy adds its own `waitingFor`,
 * `ownerUserId`, `external` and rewrites `sessionKey` / `runId`): no `cwd`, `resolvedPath`,
 * `nodeId`, run bindings, turn sources, cron sources or agent ids.
 */
export const APPROVAL_REQUEST_FIELDS = [
  'command',
  'host',
  'warningText',
  'commandAnalysis',
  'allowedDecisions',
  'sessionKey',
  'runId',
  'toolCallId',
] as const

/** Fields of a question (`questions[]` of `question.requested`) a user may see. */
export const QUESTION_FIELDS = ['questionId', 'header', 'question', 'options', 'isOther', 'multiSelect'] as const

/** Fields of a `sessions.changed` payload a user may see. */
export const SESSIONS_CHANGED_FIELDS = ['sessionKey', 'reason', 'phase', 'runId', 'ts', 'session'] as const
