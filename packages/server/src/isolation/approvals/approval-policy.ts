/**
 * Who may answer an approval — pure: option `policy.approvals` per role, and what each viewer sees
 * of an approval (its owner, an administrator, anybody else) follows from it.
 */
import { APPROVAL_DECISIONS, type ApprovalDecision } from '@clawchat/protocol'
import type { Role } from '../method-policy.js'

/** Whose approvals an ordinary user may answer: nobody's (`none`) or those of their own runs (`own`). */
export type UserApprovalPolicy = 'none' | 'own'
/**
 * Whose approvals an administrator may answer: nobody's, their own runs', or any (`any`: every
 * user's and those of runs started outside ClawChat).
 */
export type AdminApprovalPolicy = 'none' | 'own' | 'any'

/** Option `policy.approvals`. */
export interface ApprovalPolicy {
  user: UserApprovalPolicy
  admin: AdminApprovalPolicy
}

/**
 * The default: users answer none (an ordinary user approving commands on the gateway host is a
 * decision the site makes), administrators answer any.
 */
export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = Object.freeze({ user: 'none', admin: 'any' })

/** Who is looking at an approval. */
export interface Viewer {
  userId: string
  role: Role
}

/** The part of an approval the policy looks at: whose run it is (`null`: started outside ClawChat). */
export interface Owned {
  owner: { userId: string } | null
}

/** Is this the viewer's own run's approval? */
export function isOwn(entry: Owned, viewer: Viewer): boolean {
  return entry.owner !== null && entry.owner.userId === viewer.userId
}

/**
 * May `viewer` see the approval at all? Its owner always (they must see that their run waits and
 * for whom); administrators under `admin: 'any'`; nobody else.
 *
 * @example
 * maySee(DEFAULT_APPROVAL_POLICY, { owner: { userId: 'alice' } }, { userId: 'bob', role: 'user' }) // false
 */
export function maySee(policy: ApprovalPolicy, entry: Owned, viewer: Viewer): boolean {
  if (isOwn(entry, viewer)) return true
  return viewer.role === 'admin' && policy.admin === 'any'
}

/**
 * May `viewer` answer the approval?
 *
 * @example
 * mayAnswer({ user: 'own', admin: 'any' }, { owner: { userId: 'alice' } }, { userId: 'alice', role: 'user' }) // true
 */
export function mayAnswer(policy: ApprovalPolicy, entry: Owned, viewer: Viewer): boolean {
  if (!maySee(policy, entry, viewer)) return false
  const own = isOwn(entry, viewer)
  if (viewer.role === 'admin') return policy.admin === 'any' || (policy.admin === 'own' && own)
  return policy.user === 'own' && own
}

/** The decisions the gateway offers for a request (its `allowedDecisions`, else all but the unavailable ones). */
export function offeredDecisions(request: Record<string, unknown>): ApprovalDecision[] {
  if (Array.isArray(request.allowedDecisions)) {
    const allowed: unknown[] = request.allowedDecisions
    return APPROVAL_DECISIONS.filter((d) => allowed.includes(d))
  }
  const unavailable: unknown[] = Array.isArray(request.unavailableDecisions) ? request.unavailableDecisions : []
  return APPROVAL_DECISIONS.filter((d) => !unavailable.includes(d))
}

/**
 * The decisions `viewer` may send: none when they may not answer; never `allow-always` (a lasting
 * grant for every user of the agent) for anybody but an administrator.
 */
export function decisionsFor(
  policy: ApprovalPolicy,
  entry: Owned & { request: Record<string, unknown> },
  viewer: Viewer,
): ApprovalDecision[] {
  if (!mayAnswer(policy, entry, viewer)) return []
  const offered = offeredDecisions(entry.request)
  return viewer.role === 'admin' ? offered : offered.filter((d) => d !== 'allow-always')
}
