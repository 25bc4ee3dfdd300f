import { MAIN_AGENT_ID, MODEL, SESSION_AGENT_RUNTIME } from '../fixtures/gateway-identity.js'
import { buildSessionRow, OWNER_ACTOR, participants, put } from './session-rows.js'
import type { SessionRecord } from './session-store.js'

/*
 * The payloads of `sessions.changed` and `session.message`: the session row embedded under
 * `session`, and most of its fields repeated flattened at the top level (MORE-BEHAVIOURS Q1, the
 * full `session.message` frame). The flattened copy has its own key order and nulls for what is
 * not set; the parts below build it in that order.
 */

type Fields = Record<string, unknown>

/** Who the session is and who made it. */
function ownershipFields(s: SessionRecord): Fields {
  const f: Fields = {
    updatedAt: s.updatedAt,
    sessionId: s.sessionId,
    createdActor: s.createdByDevice ? OWNER_ACTOR : null,
    owner: s.createdByDevice ? { actor: OWNER_ACTOR } : null,
  }
  if (s.participantClientIds.length > 0) {
    f.participants = participants(s)
    f.participantCount = s.participantClientIds.length
  }
  return f
}

/** How the session is presented and configured (nothing of which the mock sets). */
function presentationFields(s: SessionRecord): Fields {
  return {
    kind: 'direct',
    visibility: 'shared',
    chatType: s.chatType ?? null,
    archived: s.archivedAt !== undefined,
    archivedAt: s.archivedAt ?? null,
    archivedBy: null,
    archiveReason: s.archivedAt !== undefined ? 'manual' : null,
    pinned: s.pinnedAt !== undefined,
    pinnedAt: s.pinnedAt ?? null,
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
    label: s.label ?? null,
    autoLabel: null,
    icon: null,
    color: null,
    channelAvatarUrl: null,
    category: null,
    boardPresentation: null,
    displayName: s.label ?? null,
    thinkingLevel: null,
    effectiveFastMode: false,
    effectiveFastModeSource: 'default',
    fastAutoOnSeconds: 60,
    toolOverrides: null,
    systemSent: s.systemSent,
    abortedLastRun: s.abortedLastRun,
    restartRecoveryStatus: null,
  }
}

/** Token figures and cost. */
function usageFields(s: SessionRecord): Fields {
  const f: Fields = {}
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
  return f
}

/** The model, and the one in use while a run talks to it. */
function modelFields(s: SessionRecord): Fields {
  const f: Fields = {
    effectiveResponseUsage: 'off',
    modelProvider: MODEL.provider,
    model: MODEL.id,
    activeModelProvider: s.modelActive ? MODEL.provider : null,
    activeModel: s.modelActive ? MODEL.id : null,
    modelOverrideSource: null,
    agentRuntime: { ...SESSION_AGENT_RUNTIME, devicePlacement: { ...SESSION_AGENT_RUNTIME.devicePlacement } },
    runtimeSelectionLocked: false,
  }
  put(f, 'status', s.status)
  return f
}

/** The latest run; `message` copies leave a running session's active run ids out. */
function runFields(s: SessionRecord, opts: { placement?: boolean; message?: boolean }): Fields {
  const running = opts.message === true && s.status === 'running'
  const f: Fields = {
    lastRunError: null,
    providerReview: null,
    lastRunId: s.lastRunId ?? null,
    hasAutomation: false,
    hasActiveRun: s.activeRunIds.length > 0,
    activeRunIds: running ? null : [...s.activeRunIds],
  }
  put(f, 'startedAt', s.startedAt)
  Object.assign(f, {
    endedAt: s.endedAt ?? null,
    runtimeMs: s.startedAt !== undefined && s.endedAt !== undefined ? s.endedAt - s.startedAt : null,
  })
  if (running && s.startedAt !== undefined) f.runId = s.activeRunIds[0] ?? null
  if (opts.placement) Object.assign(f, { placement: null, placementMove: null })
  return Object.assign(f, { ancestorSessions: [], sharingRole: 'owner' })
}

/** The row fields both payloads repeat flattened at their top level, in the recorded order. */
function flattenedRowFields(s: SessionRecord, opts: { placement?: boolean; message?: boolean } = {}): Fields {
  return {
    ...ownershipFields(s),
    ...presentationFields(s),
    ...usageFields(s),
    ...modelFields(s),
    ...runFields(s, opts),
  }
}

/** What a `sessions.changed` event is about: a `reason`, or a run `phase` with its `runId`. */
export type SessionsChangedCause =
  | { reason: 'send' | 'participants' | 'agent.run.started' | 'agent.input.settled' | 'reset' | 'patch' }
  | { phase: 'start' | 'model' | 'end'; runId: string }

/** A `sessions.changed` payload: `{sessionKey, agentId, reason|phase+runId, ts, session, …flattened row}`. */
export function buildSessionsChangedPayload(s: SessionRecord, cause: SessionsChangedCause, now = Date.now()): Fields {
  const head: Fields = { sessionKey: s.key, agentId: MAIN_AGENT_ID, ...cause }
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
export function buildSessionMessagePayload(s: SessionRecord, message: Fields, now = Date.now()): Fields {
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
