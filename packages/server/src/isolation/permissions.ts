/**
 * `policy.permissions`: what a user's agent may do, enforced by the gateway. Before the first
 * `chat.send` of a session the proxy has not prepared yet, it sends `sessions.create {key,
 * permissionMode, cwd?}` (on an existing session the gateway keeps its history and applies the
 * mode and folder); every `chat.send` then carries `expectedPermissionMode`, so the gateway refuses
 * the run ("session-settings-changed") if the session's mode is not the one the policy gives the
 * sender's role — the proxy then prepares the session again and sends once more. Measured on
 * openclaw 2026.9.6 (mock-gateway test/fixtures/recorded/permissions.json).
 */
import { isAbsolute } from 'node:path'
import { isRecord } from '../common/records.js'
import { messageOf, misconfigured } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { Role } from './method-policy.js'
import type { RequestPlan, UpstreamCall } from './request-plan.js'

/** The gateway's session permission modes (2026.9.6), least to most. */
export const PERMISSION_MODES = ['read-only', 'guarded', 'workspace', 'full'] as const

/** A session's `permissionMode`. */
export type PermissionMode = (typeof PERMISSION_MODES)[number]

/** One role's profile, validated. */
export interface PermissionProfile {
  mode: PermissionMode
  /** The session folder on the gateway host for a user (absolute; the folder must exist there). */
  cwd?: (userId: string) => string
}

/** The profile of each role that has one; a role without one keeps the gateway's defaults. */
export type PermissionPolicy = Readonly<Partial<Record<Role, PermissionProfile>>>

/** The gateway's `details.reason` when a session's settings are not the expected ones. */
export const SETTINGS_CHANGED_REASON = 'session-settings-changed'

/** How many prepared sessions are remembered by default (least recently used forgotten first). */
export const DEFAULT_MAX_PREPARED = 10_000

/** The browser is told this when the gateway refused the session's settings (details go to the log). */
const NOT_PREPARED =
  "This site's settings for what your agent may do could not be applied to this conversation; " +
  'an administrator has to fix them. Nothing was sent.'

/** Who sends, and to which gateway session. */
export interface PermissionTarget {
  userId: string
  role: Role
  /** The gateway session key (`clawchat:<user>:<session>`). */
  gatewayKey: string
}

/**
 * The refusal the browser gets when the session could not be prepared: shaped like the link's own
 * failures (`kind`, `shape`), so the request path answers it as it answers any gateway error.
 */
class NotPrepared extends Error {
  readonly kind = 'gateway'
  readonly shape = misconfigured(NOT_PREPARED)

  constructor() {
    super(NOT_PREPARED)
    this.name = 'NotPrepared'
  }
}

/** What the proxy applied to a session: mode and folder. */
interface Applied {
  mode: PermissionMode
  cwd: string | undefined
}

/**
 * Is `error` the gateway's "session settings changed" refusal (a link failure whose
 * `details.reason` is `session-settings-changed`)?
 *
 * @example
 * isSettingsChanged(failure) // true for INVALID_REQUEST "Session settings changed before send. Retry."
 */
export function isSettingsChanged(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const shape = (error as { shape?: unknown }).shape
  return isRecord(shape) && isRecord(shape.details) && shape.details.reason === SETTINGS_CHANGED_REASON
}

/**
 * Applies each role's profile to the sessions of its users and asserts it on every send.
 *
 * @example
 * const permissions = new SessionPermissions({ user: { mode: 'read-only', cwd: (id) => `/srv/chat/${id}` } }, log)
 * permissions.modeFor('user') // 'read-only'
 * const plan = permissions.guard(chatSendPlan, { userId: 'alice', role: 'user', gatewayKey })
 */
export class SessionPermissions {
  /** gateway session key → what was applied; insertion order = least recently used first. */
  private readonly prepared = new Map<string, Applied>()
  private readonly preparing = new Map<string, Promise<void>>()

  constructor(
    private readonly policy: PermissionPolicy,
    private readonly log: ProxyLog,
    private readonly maxPrepared = DEFAULT_MAX_PREPARED,
  ) {}

  /** The mode every session of `role` must have, or undefined when the role has no profile. */
  modeFor(role: Role): PermissionMode | undefined {
    return this.policy[role]?.mode
  }

  /** How many sessions are remembered as prepared (bounded by `maxPrepared`). */
  get preparedCount(): number {
    return this.prepared.size
  }

  /**
   * `plan` (a `chat.send` carrying `expectedPermissionMode`) run after the session is prepared;
   * when the gateway answers that the session's settings changed, prepared again and sent once more.
   */
  guard(plan: RequestPlan, target: PermissionTarget): RequestPlan {
    return {
      ...plan,
      run: async (call: UpstreamCall) => {
        await this.prepare(call, target, false)
        try {
          return await plan.run(call)
        } catch (error) {
          if (!isSettingsChanged(error)) throw error
          this.log.warn(`clawchat: a session's permissions were changed outside ClawChat; applying them again`, {
            option: 'policy.permissions',
            userId: target.userId,
          })
          await this.prepare(call, target, true)
          return await plan.run(call)
        }
      },
    }
  }

  /** Sends `sessions.create` for the session unless it was prepared with the same settings (or `force`). */
  private async prepare(call: UpstreamCall, target: PermissionTarget, force: boolean): Promise<void> {
    const wanted = this.wanted(target)
    const key = target.gatewayKey
    const known = this.prepared.get(key)
    if (!force && known && known.mode === wanted.mode && known.cwd === wanted.cwd) {
      this.prepared.delete(key)
      this.prepared.set(key, known) // most recently used
      return
    }
    const pending = this.preparing.get(key)
    if (pending) return pending
    const done = this.create(call, key, wanted).finally(() => this.preparing.delete(key))
    this.preparing.set(key, done)
    return done
  }

  /** The settings the policy gives this user's sessions; throws the browser's refusal when the cwd is bad. */
  private wanted(target: PermissionTarget): Applied {
    const profile = this.policy[target.role]
    if (!profile) throw new Error(`no permission profile for role ${target.role}`)
    if (!profile.cwd) return { mode: profile.mode, cwd: undefined }
    const option = `policy.permissions.${target.role}.cwd`
    let cwd: unknown
    try {
      cwd = profile.cwd(target.userId)
    } catch (error) {
      this.log.error(`clawchat: option "${option}" threw: ${messageOf(error)}`, { option, userId: target.userId })
      throw new NotPrepared()
    }
    if (typeof cwd !== 'string' || !isAbsolute(cwd) || cwd.includes('\0')) {
      const got = typeof cwd === 'string' ? JSON.stringify(cwd) : typeof cwd
      this.log.error(`clawchat: option "${option}" must return an absolute path, got ${got}`, { option })
      throw new NotPrepared()
    }
    return { mode: profile.mode, cwd }
  }

  private async create(call: UpstreamCall, key: string, wanted: Applied): Promise<void> {
    const params: Record<string, unknown> = { key, permissionMode: wanted.mode }
    if (wanted.cwd !== undefined) params.cwd = wanted.cwd
    try {
      await call('sessions.create', params)
    } catch (error) {
      const shape = (error as { shape?: unknown }).shape
      const kind = (error as { kind?: unknown }).kind
      if (kind !== 'gateway' || !isRecord(shape)) throw error // link down, timeout: as any request
      this.log.error(`clawchat: the gateway refused a session's permissions: ${String(shape.message)}`, {
        option: 'policy.permissions',
        permissionMode: wanted.mode,
        cwd: wanted.cwd,
      })
      throw new NotPrepared()
    }
    this.prepared.delete(key)
    this.prepared.set(key, wanted)
    while (this.prepared.size > this.maxPrepared) {
      const oldest = this.prepared.keys().next().value
      if (oldest === undefined) break
      this.prepared.delete(oldest)
    }
  }
}
