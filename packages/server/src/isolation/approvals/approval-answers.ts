/**
 * The approval methods answered from the viewer's view: ownership always comes from the proxy's
 * registry (filled from `*.approval.requested` events, re-listed from `exec.approval.list` — whose
 * rows carry the request — when the link comes up); the gateway's `exec.approval.get` answers a
 * presentation without the run's session and only confirms that a visible approval is still
 * pending. `exec.approval.resolve` / `approval.resolve` check ownership, the policy and the decision
 * first, then answer upstream on the viewer's behalf. An id the viewer may not see — unknown,
 * expired, another user's, a prefix of one — gets exactly the gateway's not-found answer without
 * any upstream call, and only a full id from the registry ever goes upstream (the gateway expands
 * an 8-character prefix). Every decision is an audit record with the user who made it.
 */
import { APPROVAL_NOT_FOUND, type ApprovalDecision, type ApprovalItem, type ApprovalKind } from '@clawchat/protocol'
import type { Audit } from '../../audit/audit.js'
import type { UpstreamCall } from '../request-plan.js'
import { decisionsFor, mayAnswer, maySee, type ApprovalPolicy, type Viewer } from './approval-policy.js'
import type { ApprovalEntry, ApprovalRegistry, ApprovalResolverRecord } from './approval-registry.js'
import { viewApproval } from './approval-view.js'
import { approvalNotFound, forbiddenRefusal, gatewayCode, gatewayReason, invalidRefusal } from './refusal.js'

/** The refusal of a viewer who sees the approval but may not answer it. */
export const NOT_YOURS_TO_ANSWER = 'Approvals of your runs are answered by an administrator on this site.'
/** The refusal of `allow-always` from anybody but an administrator. */
export const ALLOW_ALWAYS_ADMINS_ONLY =
  'allow-always writes a lasting grant for every user of the agent: only administrators may send it'

/** A decision to send. */
export interface ApprovalAnswer {
  id: string
  decision: ApprovalDecision
  /** `approval.resolve`'s kind; absent for `exec.approval.resolve` (exec). */
  kind?: ApprovalKind
}

/** What the approval methods need. */
export interface ApprovalAnswersDeps {
  namespace: string
  policy: ApprovalPolicy
  registry: ApprovalRegistry
  audit: Audit
}

/**
 * The approval methods of one proxy.
 *
 * @example
 * const answers = new ApprovalAnswers({ namespace, policy, registry, audit })
 * await answers.resolve({ userId: 'alice', role: 'user' }, { id, decision: 'allow-once' }, call)
 */
export class ApprovalAnswers {
  constructor(private readonly deps: ApprovalAnswersDeps) {}

  /** `exec.approval.list`: the pending exec approvals this viewer may see (the registry synced with it). */
  async list(viewer: Viewer, call: UpstreamCall): Promise<ApprovalItem[]> {
    const rows = await call('exec.approval.list', {})
    const entries = this.deps.registry.sync('exec', Array.isArray(rows) ? rows : [])
    const out: ApprovalItem[] = []
    for (const entry of entries) {
      const item = viewApproval(this.deps.namespace, this.deps.policy, entry, viewer)
      if (item) out.push(item)
    }
    return out
  }

  /** `exec.approval.get` (`kind: 'exec'`) / `approval.get` (any kind). */
  async get(viewer: Viewer, id: string, anyKind: boolean, call: UpstreamCall): Promise<ApprovalItem> {
    const entry = await this.lookUp(id, viewer, call)
    const item = entry && !entry.resolved ? viewApproval(this.deps.namespace, this.deps.policy, entry, viewer) : null
    if (!item || (!anyKind && entry?.kind !== 'exec')) throw approvalNotFound()
    return item
  }

  /** `exec.approval.resolve` / `approval.resolve`: checks, then the decision upstream; `{ ok: true }`. */
  async resolve(viewer: Viewer, answer: ApprovalAnswer, call: UpstreamCall): Promise<{ ok: true }> {
    const entry = await this.lookUp(answer.id, viewer, call)
    const { policy } = this.deps
    if (!entry) throw approvalNotFound()
    if (answer.kind !== undefined ? answer.kind !== entry.kind : entry.kind !== 'exec') throw approvalNotFound()
    if (!mayAnswer(policy, entry, viewer)) throw forbiddenRefusal(NOT_YOURS_TO_ANSWER)
    if (answer.decision === 'allow-always' && viewer.role !== 'admin') throw forbiddenRefusal(ALLOW_ALWAYS_ADMINS_ONLY)
    const allowed = decisionsFor(policy, entry, viewer)
    if (!allowed.includes(answer.decision)) {
      throw invalidRefusal(`decision must be one of ${allowed.join(', ')} for this approval`)
    }
    const resolver: ApprovalResolverRecord = {
      by: 'user',
      userId: viewer.userId,
      role: viewer.role,
      decision: answer.decision,
    }
    await this.send(entry, resolver, call)
    return { ok: true }
  }

  /**
   * The proxy's own `deny` of an approval nobody could answer (the unattended watch); resolves
   * whether the gateway took it.
   */
  async denyUnattended(entry: ApprovalEntry, reason: string, call: UpstreamCall): Promise<boolean> {
    const resolver: ApprovalResolverRecord = { by: 'clawchat', userId: 'clawchat', decision: 'deny', reason }
    try {
      await this.send(entry, resolver, call)
      return true
    } catch {
      return false
    }
  }

  /** Fills the registry from the gateway's pending list (after the link comes up). */
  async rebuild(call: UpstreamCall): Promise<number> {
    const rows = await call('exec.approval.list', {})
    return this.deps.registry.sync('exec', Array.isArray(rows) ? rows : []).length
  }

  /** Sends the decision upstream, noting who sent it first (the resolved event may come before the answer). */
  private async send(entry: ApprovalEntry, resolver: ApprovalResolverRecord, call: UpstreamCall): Promise<void> {
    const { registry, audit } = this.deps
    registry.answering(entry.id, resolver)
    const audited = {
      event: 'approval.decision' as const,
      userId: resolver.userId,
      ...(resolver.role ? { role: resolver.role } : {}),
      approvalId: entry.id,
      kind: entry.kind,
      decision: resolver.decision,
      ...(entry.owner ? { ownerUserId: entry.owner.userId } : { external: true }),
      ...(resolver.reason ? { reason: resolver.reason } : {}),
    }
    try {
      if (entry.kind === 'exec') await call('exec.approval.resolve', { id: entry.id, decision: resolver.decision })
      else await call('approval.resolve', { id: entry.id, kind: entry.kind, decision: resolver.decision })
      audit.record({ ...audited, outcome: 'ok' })
    } catch (error) {
      registry.answerFailed(entry.id, resolver)
      audit.record({ ...audited, outcome: 'error', code: gatewayReason(error) ?? gatewayCode(error) ?? 'UNAVAILABLE' })
      if (gatewayReason(error) === APPROVAL_NOT_FOUND) throw approvalNotFound()
      throw error
    }
  }

  /**
   * The approval `id` as this viewer may know it: the registry's entry when the viewer may see it
   * (resolved a short while ago, a plugin approval, or an exec one the gateway still has pending),
   * else `undefined` — before any upstream call, so an id that is not the viewer's costs nothing
   * upstream and answers exactly like an unknown one.
   */
  private async lookUp(id: string, viewer: Viewer, call: UpstreamCall): Promise<ApprovalEntry | undefined> {
    const known = this.deps.registry.get(id)
    if (!known || known.id !== id || !maySee(this.deps.policy, known, viewer)) return undefined
    if (known.resolved || known.kind === 'plugin') return known
    try {
      await call('exec.approval.get', { id: known.id })
      return known
    } catch (error) {
      if (gatewayReason(error) === APPROVAL_NOT_FOUND) return undefined
      throw error
    }
  }
}
