import {
  DEFAULT_AGENT_RUNTIME,
  MAIN_AGENT_ID,
  MODEL,
  OWNER_PROFILE_ID,
  SESSION_AGENT_RUNTIME,
  THINKING_LEVELS,
} from './fixtures/gateway-identity.js'
import type { SessionRecord } from './session-store.js'
import { MAIN_SESSION_KEY } from './session-keys.js'

/*
 * Session rows in the recorded shapes (SESSIONS-AND-BROADCAST Q1 `sessions.list`, MORE-BEHAVIOURS
 * Q1/Q4). The identifiers a multi-user proxy must hide are all here, like on the real gateway:
 * `key`, `sessionId` (also in `contextBudgetStatus`), `lastRunId`, `activeRunIds`, `participants`,
 * `createdActor`/`owner`, `lastMessagePreview`.
 */

const OWNER_ACTOR = { type: 'human', id: OWNER_PROFILE_ID, identity: { type: 'profile', id: OWNER_PROFILE_ID } }

function participants(s: SessionRecord): Record<string, unknown>[] {
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
function put(row: Record<string, unknown>, key: string, value: unknown): void {
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
  row.archived = false
  row.pinned = false
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
  // `session.message` rows of a running session leave the active run ids out (as recorded).
  if (!(opts.message && s.status === 'running')) row.activeRunIds = [...s.activeRunIds]
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
  info.activeRunIds = [...s.activeRunIds]
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

/**
 * The row fields `sessions.changed` and `session.message` repeat flattened at the top level of their
 * payload (MORE-BEHAVIOURS Q1, the full `session.message` frame).
 */
function flattenedRowFields(
  s: SessionRecord,
  opts: { placement?: boolean; message?: boolean } = {},
): Record<string, unknown> {
  const f: Record<string, unknown> = {
    updatedAt: s.updatedAt,
    sessionId: s.sessionId,
    createdActor: s.createdByDevice ? OWNER_ACTOR : null,
    owner: s.createdByDevice ? { actor: OWNER_ACTOR } : null,
  }
  if (s.participantClientIds.length > 0) {
    f.participants = participants(s)
    f.participantCount = s.participantClientIds.length
  }
  Object.assign(f, {
    kind: 'direct',
    visibility: 'shared',
    chatType: s.chatType ?? null,
    archived: false,
    archivedAt: null,
    archivedBy: null,
    archiveReason: null,
    pinned: false,
    pinnedAt: null,
    unread: false,
    markedUnreadAt: null,
    agentStatus: null,
    observerDigest: null,
    activitySummary: { state: 'unavailable', canEnsure: true },
    controlOwnerSessionKey: null,
    swarm: null,
    permissionMode: null,
    permissionModePending: false,
    createdVia: 'operator',
    createdAt: s.createdAt,
    label: null,
    autoLabel: null,
    icon: null,
    color: null,
    channelAvatarUrl: null,
    category: null,
    boardPresentation: null,
    displayName: null,
    thinkingLevel: null,
    effectiveFastMode: false,
    effectiveFastModeSource: 'default',
    fastAutoOnSeconds: 60,
    toolOverrides: null,
    systemSent: s.systemSent,
    abortedLastRun: s.abortedLastRun,
    restartRecoveryStatus: null,
  })
  put(f, 'inputTokens', s.inputTokens)
  put(f, 'outputTokens', s.outputTokens)
  Object.assign(f, {
    totalTokens: s.totalTokens,
    totalTokensFresh: true,
    goal: null,
    contextTokens: MODEL.contextWindow,
    // Recorded as null in every flattened copy, even when the embedded row carries the object.
    contextBudgetStatus: null,
  })
  if (s.status === 'done') f.estimatedCostUsd = 0
  Object.assign(f, {
    effectiveResponseUsage: 'off',
    modelProvider: MODEL.provider,
    model: MODEL.id,
    activeModelProvider: s.modelActive ? MODEL.provider : null,
    activeModel: s.modelActive ? MODEL.id : null,
    modelOverrideSource: null,
    agentRuntime: { ...SESSION_AGENT_RUNTIME, devicePlacement: { ...SESSION_AGENT_RUNTIME.devicePlacement } },
    runtimeSelectionLocked: false,
  })
  put(f, 'status', s.status)
  Object.assign(f, {
    lastRunError: null,
    providerReview: null,
    lastRunId: s.lastRunId ?? null,
    hasAutomation: false,
    hasActiveRun: s.activeRunIds.length > 0,
    activeRunIds: opts.message && s.status === 'running' ? null : [...s.activeRunIds],
  })
  put(f, 'startedAt', s.startedAt)
  Object.assign(f, {
    endedAt: s.endedAt ?? null,
    runtimeMs: s.startedAt !== undefined && s.endedAt !== undefined ? s.endedAt - s.startedAt : null,
  })
  if (opts.message && s.status === 'running' && s.startedAt !== undefined) f.runId = s.activeRunIds[0] ?? null
  if (opts.placement) Object.assign(f, { placement: null, placementMove: null })
  Object.assign(f, { ancestorSessions: [], sharingRole: 'owner' })
  return f
}

/** What a `sessions.changed` event is about: a `reason`, or a run `phase` with its `runId`. */
export type SessionsChangedCause =
  | { reason: 'send' | 'participants' | 'agent.run.started' | 'agent.input.settled' | 'reset' }
  | { phase: 'start' | 'model' | 'end'; runId: string }

/** A `sessions.changed` payload: `{sessionKey, agentId, reason|phase+runId, ts, session, …flattened row}`. */
export function buildSessionsChangedPayload(
  s: SessionRecord,
  cause: SessionsChangedCause,
  now = Date.now(),
): Record<string, unknown> {
  const head: Record<string, unknown> = { sessionKey: s.key, agentId: MAIN_AGENT_ID, ...cause }
  if ('reason' in cause && cause.reason === 'participants') {
    head.label = null
    head.displayName = null
  }
  head.ts = now
  head.session = buildSessionRow(s, now, { event: true })
  const withPlacement = 'reason' in cause && cause.reason !== 'participants' && cause.reason !== 'send'
  return { ...head, ...flattenedRowFields(s, { placement: withPlacement }) }
}

/** A `session.message` payload: `{sessionKey, agentId, message, messageId, messageSeq, session, …flattened row}`. */
export function buildSessionMessagePayload(
  s: SessionRecord,
  message: Record<string, unknown>,
  now = Date.now(),
): Record<string, unknown> {
  const meta = (message.__openclaw ?? {}) as { id?: unknown; seq?: unknown }
  return {
    sessionKey: s.key,
    agentId: MAIN_AGENT_ID,
    message: structuredClone(message),
    messageId: meta.id,
    messageSeq: meta.seq,
    session: buildSessionRow(s, now, { event: true, message: true }),
    ...flattenedRowFields(s, { message: true }),
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
