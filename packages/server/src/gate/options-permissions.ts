/**
 * Option `policy.permissions`: the gateway session permission mode (and folder) each role's
 * sessions get. Default: none — sessions keep the gateway's defaults (today's behaviour: under the
 * default exec policy any user can make the agent run any command on the gateway host).
 */
import { isAbsolute } from 'node:path'
import {
  PERMISSION_MODES,
  type PermissionMode,
  type PermissionPolicy,
  type PermissionProfile,
} from '../isolation/permissions.js'
import type { Role } from '../isolation/method-policy.js'
import { bad, rejectUnknown } from './options-check.js'

/** One role's profile as given: a mode, and optionally the session folder (a path, or one per user). */
export interface PermissionProfileOption {
  /**
   * The session's `permissionMode`: `'read-only'` (no write/edit/apply_patch tools, exec denied),
   * `'guarded'` (exec asks a human after the allowlist), `'workspace'` (a model reviews), `'full'`
   * (admins only).
   */
  mode: PermissionMode
  /**
   * The session's folder on the gateway host: an absolute path, or a function of the user id
   * returning one. The folder must exist there. File tools (read, write, edit, ls) of a mode other
   * than `'full'` cannot leave it; exec is not confined by it.
   */
  cwd?: string | ((userId: string) => string)
}

/**
 * `policy.permissions`, e.g. users read-only in a folder of their own, admins full.
 *
 * @example
 * policy: { permissions: { user: { mode: 'read-only', cwd: (id) => `/srv/chat/${id}` }, admin: { mode: 'full' } } }
 */
export interface PermissionsOption {
  user?: PermissionProfileOption
  admin?: PermissionProfileOption
}

const LIKE = `{ user: { mode: 'read-only', cwd: (userId) => '/srv/chat/' + userId }, admin: { mode: 'full' } }`

function resolveMode(role: Role, value: unknown): PermissionMode {
  const option = `policy.permissions.${role}.mode`
  if (!(PERMISSION_MODES as readonly unknown[]).includes(value))
    throw bad(option, `must be one of ${PERMISSION_MODES.map((m) => `'${m}'`).join(', ')}`, value)
  if (role === 'user' && value === 'full') {
    throw bad(
      option,
      `may not be 'full': the gateway gives full access to administrators only ` +
        `(choose 'read-only', 'guarded' or 'workspace')`,
      value,
    )
  }
  return value as PermissionMode
}

function resolveCwd(role: Role, value: unknown): PermissionProfile['cwd'] {
  const option = `policy.permissions.${role}.cwd`
  if (value === undefined) return undefined
  if (typeof value === 'function') return value as (userId: string) => string
  if (typeof value === 'string' && isAbsolute(value) && !value.includes('\0')) return () => value
  throw bad(option, 'must be an absolute path on the gateway host, or a function (userId) => absolute path', value)
}

function resolveProfile(role: Role, value: unknown): PermissionProfile | undefined {
  if (value === undefined) return undefined
  const option = `policy.permissions.${role}`
  if (typeof value !== 'object' || value === null)
    throw bad(option, `must be an object like { mode: 'read-only' }`, value)
  rejectUnknown(value, ['mode', 'cwd'], `${option}.`)
  const p = value as { mode?: unknown; cwd?: unknown }
  const cwd = resolveCwd(role, p.cwd)
  return { mode: resolveMode(role, p.mode), ...(cwd ? { cwd } : {}) }
}

/**
 * Validates option `policy.permissions`; `{}` (no profile: the gateway's defaults) when left out.
 * Throws naming the bad field.
 *
 * @example
 * resolvePermissions({ user: { mode: 'read-only' } }) // { user: { mode: 'read-only' } }
 * resolvePermissions({ user: { mode: 'full' } }) // throws: … "policy.permissions.user.mode" may not be 'full' …
 */
export function resolvePermissions(value: unknown): PermissionPolicy {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null)
    throw bad('policy.permissions', `must be an object like ${LIKE}`, value)
  rejectUnknown(value, ['user', 'admin'], 'policy.permissions.')
  const p = value as { user?: unknown; admin?: unknown }
  const user = resolveProfile('user', p.user)
  const admin = resolveProfile('admin', p.admin)
  return { ...(user ? { user } : {}), ...(admin ? { admin } : {}) }
}
