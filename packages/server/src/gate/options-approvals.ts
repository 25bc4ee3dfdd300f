/**
 * Option `approvals` (whether the link is an approval client, and the unattended deny) and option
 * `policy.approvals` (who may answer approvals), validated at construction with errors naming the
 * bad option.
 */
import {
  DEFAULT_APPROVAL_POLICY,
  type AdminApprovalPolicy,
  type ApprovalPolicy,
  type UserApprovalPolicy,
} from '../isolation/approvals/approval-policy.js'
import { bad, integerOption, rejectUnknown } from './options-check.js'

/** The default `approvals.unattendedDenyMs`: two minutes. */
export const DEFAULT_UNATTENDED_DENY_MS = 120_000

/** Option `approvals`. */
export interface ApprovalsOption {
  /**
   * Make the upstream link an approval client (caps `exec-approvals`, `plugin-approvals`), so that
   * ClawChat runs can wait for an approval instead of being refused at once. Gateway-wide: the
   * link has `operator.admin`, so it sees EVERY approval on the gateway and becomes a route for
   * runs started elsewhere (channels, cron, the CLI), which then wait for a ClawChat administrator.
   * Default `false`.
   */
  route?: boolean
  /**
   * Deny an approval when, for this long, nobody who may answer it is connected (with approval
   * caps). Default 120000 (2 minutes); 0 turns it off (a run then waits up to the gateway's 30
   * minutes).
   */
  unattendedDenyMs?: number
}

/** Option `approvals` with its defaults. */
export interface ResolvedApprovals {
  route: boolean
  unattendedDenyMs: number
}

/**
 * Validates option `approvals`.
 *
 * @example
 * resolveApprovals({ route: true }) // { route: true, unattendedDenyMs: 120000 }
 */
export function resolveApprovals(value: unknown): ResolvedApprovals {
  if (value === undefined) return { route: false, unattendedDenyMs: DEFAULT_UNATTENDED_DENY_MS }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('approvals', 'must be an object like { route: true, unattendedDenyMs: 120000 }', value)
  }
  rejectUnknown(value, ['route', 'unattendedDenyMs'], 'approvals.')
  const o = value as { route?: unknown; unattendedDenyMs?: unknown }
  if (o.route !== undefined && typeof o.route !== 'boolean')
    throw bad('approvals.route', 'must be true or false', o.route)
  const unattendedDenyMs = integerOption(
    'approvals.unattendedDenyMs',
    o.unattendedDenyMs,
    DEFAULT_UNATTENDED_DENY_MS,
    (n) => n === 0 || (n >= 1000 && n <= 1_800_000),
    'must be an integer number of ms from 1000 to 1800000 (the gateway waits 30 minutes), or 0 to turn it off',
  )
  return { route: o.route === true, unattendedDenyMs }
}

/** Option `policy.approvals`. */
export interface ApprovalPolicyOption {
  /** Whose approvals an ordinary user may answer: `none` (default) or `own` (their own runs'). */
  user?: UserApprovalPolicy
  /** Whose approvals an administrator may answer: `none`, `own` or `any` (default). */
  admin?: AdminApprovalPolicy
}

/**
 * Validates option `policy.approvals`.
 *
 * @example
 * resolveApprovalPolicy({ user: 'own' }) // { user: 'own', admin: 'any' }
 */
export function resolveApprovalPolicy(value: unknown): ApprovalPolicy {
  if (value === undefined) return DEFAULT_APPROVAL_POLICY
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('policy.approvals', `must be an object like { user: 'own', admin: 'any' }`, value)
  }
  rejectUnknown(value, ['user', 'admin'], 'policy.approvals.')
  const o = value as { user?: unknown; admin?: unknown }
  const user = o.user ?? DEFAULT_APPROVAL_POLICY.user
  const admin = o.admin ?? DEFAULT_APPROVAL_POLICY.admin
  if (user !== 'none' && user !== 'own') throw bad('policy.approvals.user', `must be 'none' or 'own'`, user)
  if (admin !== 'none' && admin !== 'own' && admin !== 'any') {
    throw bad('policy.approvals.admin', `must be 'none', 'own' or 'any'`, admin)
  }
  return Object.freeze({ user, admin })
}
