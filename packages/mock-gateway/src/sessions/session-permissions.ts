import { statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { invalidRequest } from '../gateway/errors.js'
import type { ExecMode } from '../options.js'
import { WORKSPACE_DIR } from '../tools/fake-tools.js'
import type { SessionStore } from './session-store.js'

/*
 * A session's `permissionMode` and folder (`sessions.create` / `sessions.patch`), and the
 * `expectedPermissionMode` check of `chat.send`, as measured on openclaw 2026.9.6
 * (test/fixtures/recorded/permissions.json). Kept beside the session store, per store.
 */

/** How exec behaves in a run: the gateway's policy, or `deny` (a `read-only` session). */
export type RunExecMode = ExecMode | 'deny'

/** What a `read-only` session's exec answers (the tool result's `error`). */
export const EXEC_DENIED_READ_ONLY = 'exec denied: host=gateway security=deny'

/** The gateway's session permission modes. */
export type PermissionMode = 'read-only' | 'guarded' | 'workspace' | 'full'

/** What a session was given. Absent fields: the gateway's defaults (no mode, agent main's workspace). */
export interface SessionPermissionSettings {
  permissionMode?: PermissionMode
  /** The session folder (`sessionRoot`, `spawnedCwd`), when `sessions.create` gave one. */
  cwd?: string
}

const SETTINGS = new WeakMap<SessionStore, Map<string, SessionPermissionSettings>>()

function settingsOf(store: SessionStore): Map<string, SessionPermissionSettings> {
  let map = SETTINGS.get(store)
  if (!map) {
    map = new Map()
    SETTINGS.set(store, map)
  }
  return map
}

/** The settings of session `key` (canonical), `{}` when it has none. */
export function sessionPermissions(store: SessionStore, key: string): SessionPermissionSettings {
  return settingsOf(store).get(key) ?? {}
}

/** Records the settings of session `key`; `permissionMode: null` clears the mode (sessions.patch). */
export function setSessionPermissions(
  store: SessionStore,
  key: string,
  change: { permissionMode?: PermissionMode | null; cwd?: string | null },
): SessionPermissionSettings {
  const next = { ...sessionPermissions(store, key) }
  if (change.permissionMode === null) delete next.permissionMode
  else if (change.permissionMode !== undefined) next.permissionMode = change.permissionMode
  if (change.cwd === null) delete next.cwd
  else if (change.cwd !== undefined) next.cwd = change.cwd
  settingsOf(store).set(key, next)
  return next
}

/** The `details.reason` of a send whose `expectedPermissionMode` is not the session's mode. */
export const SESSION_SETTINGS_CHANGED_REASON = 'session-settings-changed'

/**
 * `chat.send`'s `expectedPermissionMode`: the session's mode (null when it has none, or does not
 * exist) must be exactly it, else `INVALID_REQUEST` "Session settings changed before send. Retry.".
 */
export function assertExpectedPermissionMode(store: SessionStore, key: string, expected: unknown): void {
  if (expected === undefined) return
  const actual = store.has(key) ? (sessionPermissions(store, key).permissionMode ?? null) : null
  if (actual === expected) return
  throw invalidRequest('Session settings changed before send. Retry.', { reason: SESSION_SETTINGS_CHANGED_REASON })
}

/**
 * The folder a `sessions.create` asks for, checked as the gateway does: absolute, existing, a
 * directory (this machine stands for the gateway host). Returns the folder, or throws the recorded error.
 */
export function checkSessionCwd(cwd: string): string {
  if (!isAbsolute(cwd)) throw invalidRequest('sessions.create cwd must be absolute')
  let isDirectory: boolean
  try {
    isDirectory = statSync(cwd).isDirectory()
  } catch (err) {
    throw invalidRequest(`sessions.create cwd is unavailable: ${(err as Error).message}`)
  }
  if (!isDirectory) throw invalidRequest('sessions.create cwd is not a directory')
  return cwd
}

/** Is `cwd` inside agent main's workspace (where a caller without operator.admin may point a session)? */
export function insideWorkspace(cwd: string): boolean {
  return cwd === WORKSPACE_DIR || cwd.startsWith(`${WORKSPACE_DIR}/`)
}

/**
 * How exec behaves in a session: `read-only` denies it (`exec denied: host=gateway security=deny`),
 * `guarded` and `workspace` ask (allowlist, on-miss), `full` runs it; without a mode, the gateway's policy.
 */
export function sessionExecMode(store: SessionStore, key: string, gatewayMode: ExecMode): RunExecMode {
  const mode = sessionPermissions(store, key).permissionMode
  if (mode === 'read-only') return 'deny'
  if (mode === 'guarded' || mode === 'workspace') return 'ask'
  if (mode === 'full') return 'full'
  return gatewayMode
}
