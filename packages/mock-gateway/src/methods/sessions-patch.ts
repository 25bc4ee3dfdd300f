import { validateSessionsPatchParams } from '@openclaw/gateway-protocol'
import { SESSIONS_PATH } from '../fixtures/gateway-identity.js'
import { invalidRequest } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import type { GatewayCore } from '../gateway/gateway-core.js'
import { requireCanonicalSessionKey } from '../sessions/session-keys.js'
import { sessionPermissions, setSessionPermissions, type PermissionMode } from '../sessions/session-permissions.js'
import type { SessionRecord } from '../sessions/session-store.js'
import { entryOf, RESOLVED, requireAdmin } from './sessions-create-patch.js'
import { checkParams, isRecord, type MethodDefinition } from './method-types.js'

/*
 * `sessions.patch` as far as ClawChat uses it: `permissionMode` (test/fixtures/recorded/permissions.json)
 * and `label` / `pinned` / `archived` (test/fixtures/recorded/manage-facts.json), as measured on
 * openclaw 2026.9.6.
 */

/** The fields an operator.write caller may send (the gateway's own list); any other needs operator.admin. */
const WRITE_FIELDS = new Set(
  [
    'key agentId expectedSessionId expectedLifecycleRevision expectedPermissionMode expectedMarkedUnreadAt',
    'label autoLabel icon color category boardFace boardPresentation pinned archived unread model agentRuntime',
    'thinkingLevel fastMode permissionMode',
  ]
    .join(' ')
    .split(' '),
)

/** The fields the mock implements. */
const PATCH_FIELDS = [
  'key',
  'permissionMode',
  'expectedPermissionMode',
  'label',
  'pinned',
  'archived',
  'expectedSessionId',
]

type PatchParams = {
  key: string
  label?: string | null
  pinned?: boolean
  archived?: boolean
  expectedSessionId?: string
  permissionMode?: string | null
  expectedPermissionMode?: string | null
}

function checkPermissionMode(core: GatewayCore, key: string, p: PatchParams): void {
  if (p.expectedPermissionMode !== undefined && p.permissionMode === undefined)
    throw invalidRequest('expectedPermissionMode requires a permissionMode replacement.')
  const current = core.store.has(key) ? (sessionPermissions(core.store, key).permissionMode ?? null) : null
  if (p.expectedPermissionMode !== undefined && p.expectedPermissionMode !== current)
    throw invalidRequest(`Session ${p.key} changed before patch. Retry.`, { reason: 'session-changed' })
}

/** The label after trimming; refused when empty or held by another session (uniqueness is case-sensitive). */
function checkLabel(core: GatewayCore, key: string, raw: string): string {
  const label = raw.trim()
  if (label === '') throw invalidRequest('invalid label: empty')
  if (core.store.list().some((s) => s.key !== key && s.label === label))
    throw invalidRequest(`label already in use: ${label}`)
  return label
}

/** `archived` needs the session's current `sessionId` as `expectedSessionId`. */
function checkLifecycle(existing: SessionRecord | undefined, key: string, p: PatchParams): void {
  if (p.expectedSessionId === undefined)
    throw invalidRequest(`expectedSessionId required for session lifecycle patch: ${key}`)
  if (existing?.sessionId !== p.expectedSessionId)
    throw invalidRequest(`Session ${p.key} changed before patch. Retry.`, { reason: 'session-changed' })
}

/** Applies label / archived / pinned (archiving unpins, and aborts a run in progress). */
function applyDisplay(core: GatewayCore, s: SessionRecord, p: PatchParams, label: string | undefined): void {
  const now = Date.now()
  if (p.label === null) delete s.label
  else if (label !== undefined) s.label = label
  if (p.archived === true) {
    s.archivedAt ??= now
    delete s.pinnedAt
    for (const run of core.runs.activeInSession(s.key)) run.abort()
  } else if (p.archived === false) delete s.archivedAt
  if (p.pinned === true) s.pinnedAt ??= now
  else if (p.pinned === false) delete s.pinnedAt
  s.updatedAt = now
}

/**
 * `sessions.patch {key, label?, pinned?, archived?, expectedSessionId?, permissionMode?,
 * expectedPermissionMode?}` (operator.write; another field or `permissionMode: "full"` needs
 * operator.admin, checked before the params). Answers `{ok, path, key, entry, resolved}` with
 * `entry.label` / `pinnedAt` / `archivedAt`; a key that does not exist is created (label, pinned).
 * `label` is unique gateway-wide ("label already in use: <label>"); `archived` needs the session's
 * `expectedSessionId` ("expectedSessionId required for session lifecycle patch: <gateway key>",
 * a wrong one or an unknown session: "Session <key> changed before patch. Retry."); `pinned: true`
 * on an archived session: "cannot pin an archived session; restore it first". Subscribers get
 * `sessions.changed` `reason: "patch"` for a display change.
 */
export const sessionsPatch: MethodDefinition = {
  name: 'sessions.patch',
  scope: Scopes.WRITE,
  handle({ core, conn }, params) {
    if (isRecord(params) && Object.keys(params).some((k) => !WRITE_FIELDS.has(k))) requireAdmin(conn.scopes)
    const p = checkParams('sessions.patch', validateSessionsPatchParams, params) as PatchParams
    const unsupported = Object.keys(isRecord(params) ? params : {}).find((k) => !PATCH_FIELDS.includes(k))
    if (unsupported !== undefined)
      throw invalidRequest(
        `mock-gateway: sessions.patch implements only ${PATCH_FIELDS.join(', ')} (got ${unsupported})`,
      )
    if (p.permissionMode === 'full') requireAdmin(conn.scopes)
    const key = requireCanonicalSessionKey(p.key)
    checkPermissionMode(core, key, p)
    const existing = core.store.get(key)
    if (p.archived !== undefined) checkLifecycle(existing, key, p)
    const label = typeof p.label === 'string' ? checkLabel(core, key, p.label) : undefined
    const archivedAfter = p.archived ?? existing?.archivedAt !== undefined
    if (p.pinned === true && archivedAfter) throw invalidRequest('cannot pin an archived session; restore it first')
    const { session } = core.store.ensure(key, { via: 'reset' })
    if (p.permissionMode !== undefined)
      setSessionPermissions(core.store, key, { permissionMode: p.permissionMode as PermissionMode | null })
    const display = p.label !== undefined || p.pinned !== undefined || p.archived !== undefined
    if (display) applyDisplay(core, session, p, label)
    const entry = entryOf(core.store, session)
    return {
      payload: { ok: true, path: SESSIONS_PATH, key, entry, resolved: RESOLVED },
      ...(display ? { afterResponse: () => core.emitSessionsChanged(session, { reason: 'patch' }) } : {}),
    }
  },
}
