import {
  DEFAULT_AGENT_RUNTIME,
  MAIN_AGENT_ID,
  MODEL,
  OWNER_PROFILE_ID,
  SESSION_AGENT_RUNTIME,
  THINKING_LEVELS,
} from '../fixtures/gateway-identity.js'
import type { SessionRecord } from './session-store.js'
import { MAIN_SESSION_KEY } from './session-keys.js'

/*
 * Session rows in the recorded shapes (SESSIONS-AND-BROADCAST Q1 `sessions.list`, MORE-BEHAVIOURS
 * Q1/Q4). The identifiers a multi-user proxy must hide are all here, like on the real gateway:
 * `key`, `sessionId` (also in `contextBudgetStatus`), `lastRunId`, `activeRunIds`, `participants`,
 * `createdActor`/`owner`, `lastMessagePreview`.
 */

/** The one gateway profile, as `createdActor` and `owner.actor` name it. */
export const OWNER_ACTOR = { type: 'human', id: OWNER_PROFILE_ID, identity: { type: 'profile', id: OWNER_PROFILE_ID } }

/** `participants`: the token clients that wrote to the session. */
export function participants(s: SessionRecord): Record<string, unknown>[] {
  return s.participantClientIds.map((id) => ({
    identity: { type: 'observation', pluginId: null, accountId: null, senderKind: 'unknown', id },
  }))
}

function contextBudgetStatus(s: SessionRecord): Record<string, unknown> {
  return {
    schemaVersion: 1,
    source: 'pre-prompt-estimate',
    updatedAt: s.contextBudgetUpdatedAt ?? s.updatedAt,
    provider: MODEL.provider,
    model: MODEL.id,
    route: 'fits',
    shouldCompact: false,
    estimatedPromptTokens: 1200,
    contextTokenBudget: MODEL.contextWindow,
    promptBudgetBeforeReserve: 108000,
    reserveTokens: 20000,
    effectiveReserveTokens: 20000,
    remainingPromptBudgetTokens: 106800,
    overflowTokens: 0,
    toolResultReducibleChars: 0,
    messageCount: 0,
    unwindowedMessageCount: 0,
    sessionId: s.sessionId,
  }
}

function placement(s: SessionRecord): Record<string, unknown> | undefined {
  if (s.placementCreatedAt === undefined) return undefined
  return {
    state: 'local',
    generation: 0,
    createdAtMs: s.placementCreatedAt,
    updatedAtMs: s.placementUpdatedAt ?? s.placementCreatedAt,
    stateChangedAtMs: s.placementCreatedAt,
  }
}

/** Adds `value` under `key` unless it is undefined (rows omit fields that are not set). */
export function put(row: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) row[key] = value
}

/** The common body of a row; `thinking` adds the thinking-level fields `sessions.list` rows carry. */
function rowBody(s: SessionRecord, now: number, thinking: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {
    key: s.key,
    visibility: 'shared',
    permissionModePending: false,
    createdVia: 'operator',
  }
  if (s.createdByDevice) {
    row.createdActor = OWNER_ACTOR
    row.owner = { actor: OWNER_ACTOR }
  }
  if (s.participantClientIds.length > 0) {
    row.participants = participants(s)
    row.expandedParticipants = participants(s)
    row.participantCount = s.participantClientIds.length
  }
  row.createdAt = s.createdAt
  row.kind = 'direct'
  row.classification = s.classification
  row.agentId = MAIN_AGENT_ID
  row.isMain = s.key === MAIN_SESSION_KEY
  row.isBackground = false
  put(row, 'chatType', s.chatType)
  row.updatedAt = s.updatedAt
  put(row, 'label', s.label)
  row.archived = s.archivedAt !== undefined
  put(row, 'archivedAt', s.archivedAt)
  row.pinned = s.pinnedAt !== undefined
  put(row, 'pinnedAt', s.pinnedAt)
  row.unread = false
  put(row, 'lastInteractionAt', s.lastInteractionAt)
  row.sessionId = s.sessionId
  row.systemSent = s.systemSent
  row.abortedLastRun = s.abortedLastRun
  if (thinking) {
    row.thinkingLevels = THINKING_LEVELS.map((l) => ({ ...l }))
    row.thinkingOptions = ['off']
    row.thinkingDefault = 'off'
  }
  row.effectiveFastMode = false
  row.effectiveFastModeSource = 'default'
  row.fastAutoOnSeconds = 60
  put(row, 'inputTokens', s.inputTokens)
  put(row, 'outputTokens', s.outputTokens)
  row.totalTokens = s.totalTokens
  row.totalTokensFresh = true
  if (s.status === 'done') row.estimatedCostUsd = 0
  put(row, 'status', s.status)
  put(row, 'startedAt', s.startedAt)
  put(row, 'endedAt', s.endedAt)
  if (s.startedAt !== undefined && s.endedAt !== undefined) row.runtimeMs = s.endedAt - s.startedAt
  put(row, 'lastRunId', s.lastRunId)
  row.effectiveResponseUsage = 'off'
  row.effectiveQueueMode = 'steer'
  row.modelProvider = MODEL.provider
  row.model = MODEL.id
  if (s.modelActive) {
    row.activeModelProvider = MODEL.provider
    row.activeModel = MODEL.id
  }
  row.modelOverrideSource = null
  row.runtimeSelectionLocked = false
  row.agentRuntime = { ...SESSION_AGENT_RUNTIME, devicePlacement: { ...SESSION_AGENT_RUNTIME.devicePlacement } }
  row.contextTokens = MODEL.contextWindow
  if (s.contextBudgetUpdatedAt !== undefined) row.contextBudgetStatus = contextBudgetStatus(s)
  row.snapshotAt = now
  put(row, 'placement', placement(s))
  return row
}

/**
 * A `sessions.list` row. With `event`, the row as `sessions.changed` / `session.message` embed it:
 * with `activitySummary`, and `lastMessagePreview` once the run has reached the model (as recorded).
 */
export function buildSessionRow(
  s: SessionRecord,
  now = Date.now(),
  opts: { includeLastMessage?: boolean; event?: boolean; message?: boolean } = {},
): Record<string, unknown> {
  const row = rowBody(s, now, true)
  if (opts.message) delete row.contextBudgetStatus
  const preview = opts.event ? s.startedAt !== undefined : opts.includeLastMessage
  if (preview && s.lastMessagePreview !== undefined) row.lastMessagePreview = s.lastMessagePreview
  if (opts.event) row.activitySummary = { state: 'unavailable', canEnsure: true }
  row.hasActiveRun = s.activeRunIds.length > 0
  // `sessions.list` rows of a session with a run in progress leave `activeRunIds` out (measured:
  // e2e/real-gateway/manage-facts.test.ts), so do `session.message` rows (recorded); idle rows
  // carry `[]`; `sessions.changed` rows carry the ids (recorded).
  const running = s.activeRunIds.length > 0
  if (!running || (opts.event && !opts.message)) row.activeRunIds = [...s.activeRunIds]
  row.sharingRole = 'owner'
  return row
}

function activeLeafEntryId(s: SessionRecord): string | null {
  const last = s.messages[s.messages.length - 1]
  const meta = last?.__openclaw as { id?: unknown } | undefined
  return typeof meta?.id === 'string' ? meta.id : null
}

/** `chat.history.sessionInfo` of an existing session: the row plus `activitySummary`, `activeLeafEntryId`. */
export function buildSessionInfo(s: SessionRecord, now = Date.now()): Record<string, unknown> {
  const info = rowBody(s, now, false)
  info.activitySummary = { state: 'unavailable', canEnsure: true }
  info.sharingRole = 'owner'
  info.hasActiveRun = s.activeRunIds.length > 0
  if (s.activeRunIds.length === 0) info.activeRunIds = []
  info.activeLeafEntryId = activeLeafEntryId(s)
  return info
}

/** `chat.history.sessionInfo` of a key with no session (recorded in step5-chat-fake.jsonl, q4-idempotency.txt). */
export function buildEmptySessionInfo(key: string, now = Date.now()): Record<string, unknown> {
  return {
    key,
    permissionModePending: false,
    kind: 'direct',
    classification: key === MAIN_SESSION_KEY ? 'main' : 'custom',
    agentId: MAIN_AGENT_ID,
    isMain: key === MAIN_SESSION_KEY,
    isBackground: false,
    updatedAt: null,
    archived: false,
    pinned: false,
    unread: false,
    effectiveFastMode: false,
    effectiveFastModeSource: 'default',
    fastAutoOnSeconds: 60,
    totalTokensFresh: false,
    effectiveResponseUsage: 'off',
    effectiveQueueMode: 'steer',
    modelProvider: MODEL.provider,
    model: MODEL.id,
    modelOverrideSource: null,
    runtimeSelectionLocked: false,
    agentRuntime: { ...DEFAULT_AGENT_RUNTIME },
    contextTokens: MODEL.contextWindow,
    snapshotAt: now,
    hasActiveRun: false,
    activeRunIds: [],
    activeLeafEntryId: null,
  }
}

/** The `entry` of a `sessions.reset` response (MORE-BEHAVIOURS Q1). */
export function buildResetEntry(s: SessionRecord): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    sessionId: s.sessionId,
    lifecycleRevision: s.lifecycleRevision,
    updatedAt: s.updatedAt,
    sessionStartedAt: s.sessionStartedAt,
    systemSent: false,
    abortedLastRun: false,
  }
  put(entry, 'chatType', s.chatType)
  entry.compactionCount = 0
  entry.createdVia = 'operator'
  entry.createdAt = s.createdAt
  if (s.chatType !== undefined) entry.delivery = { kind: 'internal' }
  Object.assign(entry, {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    totalTokensFresh: true,
    totalTokensVersion: 1,
    modelProvider: MODEL.provider,
    model: MODEL.id,
  })
  return entry
}
