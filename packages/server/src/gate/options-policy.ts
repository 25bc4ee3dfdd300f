/**
 * Option `policy`: which methods each role may call (only methods ClawChat can relay safely) and
 * which gateway text commands it may run in `chat.send`.
 */
import {
  COMMAND_NAME_PATTERN,
  DEFAULT_COMMAND_POLICY,
  commandName,
  type CommandAllowance,
  type CommandPolicy,
} from '../isolation/commands.js'
import type { ApprovalPolicy } from '../isolation/approvals/approval-policy.js'
import { DEFAULT_METHOD_POLICY, RELAYABLE_METHODS, type MethodPolicy } from '../isolation/policy.js'
import type { PermissionPolicy } from '../isolation/permissions.js'
import { resolveApprovalPolicy } from './options-approvals.js'
import { resolvePermissions } from './options-permissions.js'
import { bad, rejectUnknown } from './options-check.js'
import type { ApprovalPolicyOption } from './options-approvals.js'
import type { PermissionsOption } from './options-permissions.js'

/** Which methods each role may call (default-deny), and which gateway text commands. */
export interface PolicyOptions {
  methods?: {
    /** Default `USER_METHODS`: chat.send, chat.history, chat.abort, sessions.list, sessions.reset. */
    user?: readonly string[]
    /** Default `ADMIN_METHODS`: the user methods plus models.list. */
    admin?: readonly string[]
  }
  /**
   * Which gateway text commands (`/status`, `/model`, `/approve`, …) each role may run through
   * `chat.send`: a list of command names (`['status', 'model']`) or `'*'` for all. Default: none for
   * anybody — every message goes upstream with `suppressCommandInterpretation: true` and reaches the
   * model as plain text. A command runs with the proxy link's `operator.admin` authority (`/restart`,
   * `/model <p> -g` change the whole gateway): grant them to admins only, and few.
   *
   * @example
   * policy: { commands: { admin: ['status', 'model'] } }
   */
  commands?: {
    user?: CommandAllowance
    admin?: CommandAllowance
  }
  /** Who may answer approvals: default `{ user: 'none', admin: 'any' }` (README "Tools, approvals and questions"). */
  approvals?: ApprovalPolicyOption
  /** What each role's agent may do (session `permissionMode`, folder); default none: unsafe multi-user. */
  permissions?: PermissionsOption
}

function methodList(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((m) => typeof m === 'string'))
    throw bad(option, 'must be an array of method names', value)
  for (const method of value as string[]) {
    if (!RELAYABLE_METHODS.includes(method)) {
      throw bad(option, `may only name methods ClawChat can relay safely (${RELAYABLE_METHODS.join(', ')})`, method)
    }
  }
  return [...new Set(value as string[])]
}

function commandList(option: string, value: unknown): CommandAllowance {
  if (value === '*') return '*'
  if (!Array.isArray(value) || !value.every((c) => typeof c === 'string' && COMMAND_NAME_PATTERN.test(c))) {
    throw bad(option, `must be '*' or an array of command names like ["status", "model"]`, value)
  }
  return [...new Set((value as string[]).map(commandName))]
}

/** One role group (`policy.methods`, `policy.commands`): an object with `user` and `admin` at most. */
function roleGroup(option: string, value: unknown, like: string): { user?: unknown; admin?: unknown } {
  if (typeof value !== 'object' || value === null) throw bad(option, `must be an object like ${like}`, value)
  rejectUnknown(value, ['user', 'admin'], `${option}.`)
  return value as { user?: unknown; admin?: unknown }
}

function resolveMethods(value: unknown): MethodPolicy {
  if (value === undefined) return DEFAULT_METHOD_POLICY
  const m = roleGroup('policy.methods', value, '{ user: [...], admin: [...] }')
  return {
    user: m.user === undefined ? DEFAULT_METHOD_POLICY.user : methodList('policy.methods.user', m.user),
    admin: m.admin === undefined ? DEFAULT_METHOD_POLICY.admin : methodList('policy.methods.admin', m.admin),
  }
}

function resolveCommands(value: unknown): CommandPolicy {
  if (value === undefined) return DEFAULT_COMMAND_POLICY
  const c = roleGroup('policy.commands', value, `{ admin: ['status'] }`)
  return {
    user: c.user === undefined ? DEFAULT_COMMAND_POLICY.user : commandList('policy.commands.user', c.user),
    admin: c.admin === undefined ? DEFAULT_COMMAND_POLICY.admin : commandList('policy.commands.admin', c.admin),
  }
}

/**
 * Validates option `policy`; the defaults for what it leaves out. Throws naming the bad field.
 *
 * @example
 * resolvePolicy({ commands: { admin: ['status'] } }).commands // { user: [], admin: ['status'] }
 */
export function resolvePolicy(value: unknown): {
  methods: MethodPolicy
  commands: CommandPolicy
  approvals: ApprovalPolicy
  permissions: PermissionPolicy
} {
  if (value === undefined) {
    return {
      methods: DEFAULT_METHOD_POLICY,
      commands: DEFAULT_COMMAND_POLICY,
      approvals: resolveApprovalPolicy(undefined),
      permissions: {},
    }
  }
  if (typeof value !== 'object' || value === null)
    throw bad('policy', 'must be an object like { methods: { user, admin } }', value)
  rejectUnknown(value, ['methods', 'commands', 'approvals', 'permissions'], 'policy.')
  const p = value as { methods?: unknown; commands?: unknown; approvals?: unknown; permissions?: unknown }
  return {
    methods: resolveMethods(p.methods),
    commands: resolveCommands(p.commands),
    approvals: resolveApprovalPolicy(p.approvals),
    permissions: resolvePermissions(p.permissions),
  }
}
