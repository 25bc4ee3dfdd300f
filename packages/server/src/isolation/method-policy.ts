/**
 * Who may call what — pure, default-deny: the methods each role may call, the scopes each role
 * has through the proxy, and the `FORBIDDEN` answer for everything else.
 */
import { ADMIN_METHODS, METHOD_NAMES, USER_METHODS, type ErrorShape } from '@clawchat/protocol'
import { forbidden } from '../common/errors.js'

/** A user's role as `authenticate` returned it. */
export type Role = 'user' | 'admin'

/** Which methods each role may call. Default-deny: a method in neither list is refused. */
export interface MethodPolicy {
  user: readonly string[]
  admin: readonly string[]
}

/** The default policy: `USER_METHODS` for users, `ADMIN_METHODS` for admins. */
export const DEFAULT_METHOD_POLICY: MethodPolicy = { user: [...USER_METHODS], admin: [...ADMIN_METHODS] }

/** Every method the proxy knows how to relay safely (a policy may only name these). */
export const RELAYABLE_METHODS: readonly string[] = METHOD_NAMES

/** The methods a role may call. */
export function allowedMethods(policy: MethodPolicy, role: Role): string[] {
  return [...(role === 'admin' ? policy.admin : policy.user)]
}

/**
 * The OpenClaw scopes a role effectively has through the proxy (shown in `hello-ok`):
 * `operator.approvals` when it may call the approval methods, `operator.questions` when it may call
 * the question methods (`methods`: the role's allowed methods; without it, the scopes of reading
 * and writing only). What an approval lets the role *answer* is `policy.approvals`.
 *
 * @example
 * effectiveScopes('user', USER_METHODS)
 * // ['operator.read', 'operator.write', 'operator.approvals', 'operator.questions']
 */
export function effectiveScopes(role: Role, methods: readonly string[] = []): string[] {
  const scopes = ['operator.read', 'operator.write']
  if (role === 'admin') scopes.push('operator.admin')
  if (methods.some((m) => m === 'exec.approval.list' || m === 'exec.approval.get' || m === 'approval.get')) {
    scopes.push('operator.approvals')
  }
  if (methods.includes('question.list') || methods.includes('question.resolve')) scopes.push('operator.questions')
  return scopes
}

/**
 * May a user with `role` call `method`? `null` when yes, else the `FORBIDDEN` error to answer.
 *
 * @example
 * mayCall(DEFAULT_METHOD_POLICY, 'user', 'config.set') // { code: 'FORBIDDEN', message: 'Method "config.set" ...' }
 */
export function mayCall(policy: MethodPolicy, role: Role, method: string): ErrorShape | null {
  if (allowedMethods(policy, role).includes(method)) return null
  const shown = method.length > 80 ? `${method.slice(0, 80)}…` : method
  if (RELAYABLE_METHODS.includes(method)) {
    return forbidden(`Method "${shown}" is not allowed for your role (${role}). Ask an administrator if you need it.`)
  }
  return forbidden(
    `Method "${shown}" is not available through ClawChat: only ${allowedMethods(policy, role).join(', ')} ` +
      'can be called. Check the method name.',
  )
}
