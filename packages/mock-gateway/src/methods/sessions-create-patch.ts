import { validateSessionsCreateParams } from '@openclaw/gateway-protocol'
import { randomUUID } from 'node:crypto'
import { MODEL } from '../fixtures/gateway-identity.js'
import { GatewayRequestError, invalidRequest, missingScope } from '../gateway/errors.js'
import { hasScope, Scopes } from '../connection/scopes.js'
import { requireCanonicalSessionKey } from '../sessions/session-keys.js'
import {
  checkSessionCwd,
  insideWorkspace,
  sessionPermissions,
  setSessionPermissions,
  type PermissionMode,
} from '../sessions/session-permissions.js'
import type { SessionRecord, SessionStore } from '../sessions/session-store.js'
import { WORKSPACE_DIR } from '../tools/fake-tools.js'
import { checkParams, type MethodDefinition } from './method-types.js'

/*
 * `sessions.create`, as far as ClawChat uses it: a session's `permissionMode` and folder (`cwd`),
 * as measured on openclaw 2026.9.6 (test/fixtures/recorded/permissions.json). It emits no
 * `sessions.changed` here (not recorded). `sessions.patch` is in sessions-patch.ts.
 */

/** The session's `entry` as both answers show it (the recorded fields that matter). */
export function entryOf(store: SessionStore, s: SessionRecord): Record<string, unknown> {
  const settings = sessionPermissions(store, s.key)
  return {
    sessionId: s.sessionId,
    lifecycleRevision: s.lifecycleRevision,
    updatedAt: s.updatedAt,
    sessionRoot: settings.cwd ?? WORKSPACE_DIR,
    ...(settings.permissionMode ? { permissionMode: settings.permissionMode } : {}),
    delivery: { kind: 'none' },
    createdVia: 'operator',
    createdAt: s.createdAt,
    ...(settings.cwd ? { spawnedCwd: settings.cwd } : {}),
    spawnDepth: 0,
    modelOverrideSource: 'default',
    parentSessionKey: 'agent:main:main',
    ...(s.label !== undefined ? { label: s.label } : {}),
    ...(s.pinnedAt !== undefined ? { pinnedAt: s.pinnedAt } : {}),
    ...(s.archivedAt !== undefined ? { archivedAt: s.archivedAt } : {}),
  }
}

/** The `resolved` model of both answers. */
export const RESOLVED = { modelProvider: MODEL.provider, model: MODEL.id }

/** "missing scope: operator.admin" unless the caller has it. */
export function requireAdmin(scopes: readonly string[]): void {
  if (!hasScope(scopes, Scopes.ADMIN)) throw new GatewayRequestError(missingScope(Scopes.ADMIN))
}

/**
 * `sessions.create {key?, permissionMode?, cwd?}` (operator.write): creates the session, or adopts
 * an existing one keeping its history; sets the mode when given, and the folder (cleared when not
 * given). `full`, and a folder outside the agent's workspace, need operator.admin. The folder must be
 * absolute and exist.
 */
export const sessionsCreate: MethodDefinition = {
  name: 'sessions.create',
  scope: Scopes.WRITE,
  handle({ core, conn }, params) {
    const p = checkParams('sessions.create', validateSessionsCreateParams, params)
    const key = requireCanonicalSessionKey(p.key ?? `dashboard:${randomUUID()}`)
    if (p.cwd !== undefined && !p.cwd.startsWith('/')) throw invalidRequest('sessions.create cwd must be absolute')
    if (p.permissionMode === 'full') requireAdmin(conn.scopes)
    if (p.cwd !== undefined && !insideWorkspace(p.cwd)) requireAdmin(conn.scopes)
    const cwd = p.cwd === undefined ? undefined : checkSessionCwd(p.cwd)
    const { session } = core.store.ensure(key, { via: 'reset' })
    setSessionPermissions(core.store, key, {
      ...(p.permissionMode !== undefined ? { permissionMode: p.permissionMode as PermissionMode } : {}),
      cwd: cwd ?? null,
    })
    const entry = entryOf(core.store, session)
    return { payload: { ok: true, key, sessionId: session.sessionId, entry, runStarted: false, resolved: RESOLVED } }
  },
}
