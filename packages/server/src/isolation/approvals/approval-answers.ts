/**
 * The approval methods answered from the viewer's view: `exec.approval.list` / `get` and
 * `approval.get` ask the gateway (the truth about what is pending) and show only what this viewer
 * may see; `exec.approval.resolve` / `approval.resolve` check ownership, the policy and the decision
 * first, then answer upstream on the viewer's behalf. An id the viewer may not see — unknown,
 * expired, another user's — gets exactly the gateway's not-found answer, after the same one
 * upstream lookup. Every decision is an audit record with the user who made it.
 */
import { APPROVAL_NOT_FOUND, type ApprovalDecision, type ApprovalItem, type ApprovalKind } from '@clawchat/protocol'
import type { Audit } from '../../audit/audit.js'
import { isRecord } from '../../common/records.js'
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
    const entry = await this.lookUp(id, call)
    const item = entry && !entry.resolved ? viewApproval(this.deps.namespace, this.deps.policy, entry, viewer) : null
    if (!item || (!anyKind && entry?.kind !== 'exec')) throw approvalNotFound()
    return item
  }

  /** `exec.approval.resolve` / `approval.resolve`: checks, then the decision upstream; `{ ok: true }`. */
  async resolve(viewer: Viewer, answer: ApprovalAnswer, call: UpstreamCall): Promise<{ ok: true }> {
    const entry = await this.lookUp(answer.id, call)
    const { policy } = this.deps
    if (!entry || !maySee(policy, entry, viewer)) throw approvalNotFound()
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
   * The approval `id`: the gateway's pending exec record when it has one (fresh), else the
   * registry's (a plugin approval from its event, or one resolved a short while ago), else
   * `undefined`. One upstream lookup whatever the answer (`approval.get` answers a presentation
   * without the run's session, so the exec one is asked).
   */
  private async lookUp(id: string, call: UpstreamCall): Promise<ApprovalEntry | undefined> {
    let payload: unknown
    try {
      payload = await call('exec.approval.get', { id })
    } catch (error) {
      if (gatewayReason(error) !== APPROVAL_NOT_FOUND) throw error
    }
    const known = this.deps.registry.get(id)
    if (isRecord(payload) && isRecord(payload.request) && !known?.resolved) {
      return this.deps.registry.requested('exec', { ...payload, id })
    }
    // The real gateway's `exec.approval.get` answers a presentation (`{id, commandText, …}`, no
    // `request`): pending there, and known here from its event. Only for the full id (the gateway
    // also takes a prefix: e2e/real-gateway/README.md "Tools, approvals and questions").
    if (isRecord(payload) && payload.id === id && known && !known.resolved) return known
    return known && (known.resolved || known.kind === 'plugin') ? known : undefined
  }
}
