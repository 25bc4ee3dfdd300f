import { validateSessionsDeleteParams } from '@openclaw/gateway-protocol'
import { randomBytes } from 'node:crypto'
import { MAIN_AGENT_ID, STATE_DIR } from '../fixtures/gateway-identity.js'
import { invalidRequest } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import type { GatewayCore } from '../gateway/gateway-core.js'
import { MAIN_SESSION_KEY, requireCanonicalSessionKey } from '../sessions/session-keys.js'
import type { SessionRecord } from '../sessions/session-store.js'
import { requireAdmin } from './sessions-create-patch.js'
import { transcriptSessionIds } from './sessions-rewind.js'
import { checkParams, isRecord, type MethodDefinition } from './method-types.js'

/*
 * `sessions.delete` as measured on openclaw 2026.9.6 (test/fixtures/recorded/manage-facts.json).
 */

/** The fields an operator.write caller may send, and only with `archivedOnly: true` (the gateway's list). */
const WRITE_FIELDS = new Set(['key', 'agentId', 'deleteTranscript', 'expectedSessionId', 'archivedOnly'])

/** Where the real gateway moves a deleted transcript (its answer's `archived` lists these paths). */
function archivedTranscript(sessionId: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-(\d{3})Z$/, '.$1Z')
  const suffix = `${stamp}.${randomBytes(16).toString('hex')}.zst`
  return `${STATE_DIR}/agents/main/sessions/${sessionId}.jsonl.deleted.${suffix}`
}

/** `sessions.changed` `reason: "delete"`, twice as recorded: about the session, then without a key. */
function emitDeleted(core: GatewayCore, s: SessionRecord): void {
  const ts = Date.now()
  for (const c of core.readers().filter((r) => r.sessionsSubscribed)) {
    c.sendEvent('sessions.changed', {
      sessionKey: s.key,
      sessionId: s.sessionId,
      agentId: MAIN_AGENT_ID,
      reason: 'delete',
      ts,
    })
    c.sendEvent('sessions.changed', { reason: 'delete', ts })
  }
}

/**
 * `sessions.delete {key, archivedOnly?, deleteTranscript?, expectedSessionId?}`: without
 * `archivedOnly: true` (or with another field) it needs operator.admin, checked before the params;
 * with it only an archived session is deleted ("Session <key> is not archived. Archive it first,
 * then delete it.", also for an unknown or already deleted key). Answers `{ok, key, deleted,
 * archived: [transcript paths]}` (one per incarnation: a rewind starts a new one); an admin's
 * unknown key `{deleted: false, archived: []}`; the main session is refused. A run in progress is
 * aborted; subscribers get `sessions.changed` `reason: "delete"`.
 */
export const sessionsDelete: MethodDefinition = {
  name: 'sessions.delete',
  scope: Scopes.WRITE,
  handle({ core, conn }, params) {
    const writeOnly =
      isRecord(params) && params.archivedOnly === true && Object.keys(params).every((k) => WRITE_FIELDS.has(k))
    if (!writeOnly) requireAdmin(conn.scopes)
    const p = checkParams('sessions.delete', validateSessionsDeleteParams, params)
    const key = requireCanonicalSessionKey(p.key)
    if (key === MAIN_SESSION_KEY) throw invalidRequest(`Cannot delete the main session (${key}).`)
    const existing = core.store.get(key)
    if (p.archivedOnly === true && existing?.archivedAt === undefined)
      throw invalidRequest(`Session ${p.key} is not archived. Archive it first, then delete it.`)
    if (p.expectedSessionId !== undefined && existing?.sessionId !== p.expectedSessionId)
      throw invalidRequest(`Session ${p.key} changed before deletion. Retry.`, { reason: 'session-changed' })
    if (!existing) return { payload: { ok: true, key, deleted: false, archived: [] } }
    for (const run of core.runs.activeInSession(key)) run.abort()
    core.store.delete(key)
    const archived = p.deleteTranscript === false ? [] : transcriptSessionIds(existing).map(archivedTranscript)
    return { payload: { ok: true, key, deleted: true, archived }, afterResponse: () => emitDeleted(core, existing) }
  },
}
