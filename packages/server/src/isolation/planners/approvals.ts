/**
 * `exec.approval.list` / `get` / `resolve`, `approval.get` / `resolve`: answered from the caller's
 * own view of the approvals (see `approvals/approval-answers.ts`). The params are checked here; the
 * decision is checked against the policy when the plan runs (it needs the approval's owner).
 */
import { APPROVAL_DECISIONS, describeParam, type ApprovalDecision, type MethodName } from '@clawchat/protocol'
import { unavailable } from '../../common/errors.js'
import type { WorkDesk } from '../approvals/agent-work.js'
import type { Viewer } from '../approvals/approval-policy.js'
import { invalidParams, type Params, type PlanContext, type PlanResult, type UpstreamCall } from '../request-plan.js'

/** The answer when the proxy was built without approvals (never through `clawchatProxy`). */
const NO_DESK = 'Approvals and questions are not available on this proxy.'

/** A plan that runs `answer` on the proxy's approvals and questions. */
export function deskPlan(
  method: MethodName,
  ctx: PlanContext,
  answer: (desk: WorkDesk, viewer: Viewer, call: UpstreamCall) => Promise<unknown>,
): PlanResult {
  const desk = ctx.work
  if (!desk) return { ok: false, error: unavailable(NO_DESK) }
  const viewer: Viewer = { userId: ctx.userId, role: ctx.role }
  return { ok: true, plan: { method, run: (call) => answer(desk, viewer, call) } }
}

/** The `id` param: a non-empty string of printable characters, at most 256. */
export function idParam(
  method: MethodName,
  params: Params,
): { ok: true; id: string } | { ok: false; result: PlanResult } {
  const id = params.id
  if (typeof id !== 'string' || id.length === 0 || id.length > 256 || !/^[\x21-\x7e]+$/.test(id)) {
    return { ok: false, result: invalidParams(method, describeParam(method, 'id') ?? 'id must be a string') }
  }
  return { ok: true, id }
}

function decisionParam(method: MethodName, value: unknown): ApprovalDecision | undefined {
  return typeof value === 'string' && (APPROVAL_DECISIONS as readonly string[]).includes(value)
    ? (value as ApprovalDecision)
    : undefined
}

/** `exec.approval.list {}`. */
export function planApprovalList(_params: Params, ctx: PlanContext): PlanResult {
  return deskPlan('exec.approval.list', ctx, (desk, viewer, call) => desk.approvals.list(viewer, call))
}

/** `exec.approval.get {id}` (exec only) and `approval.get {id}` (any kind). */
function planGet(method: 'exec.approval.get' | 'approval.get') {
  return (params: Params, ctx: PlanContext): PlanResult => {
    const id = idParam(method, params)
    if (!id.ok) return id.result
    const anyKind = method === 'approval.get'
    return deskPlan(method, ctx, (desk, viewer, call) => desk.approvals.get(viewer, id.id, anyKind, call))
  }
}

export const planApprovalGet = planGet('exec.approval.get')
export const planAnyApprovalGet = planGet('approval.get')

/** `exec.approval.resolve {id, decision}`. */
export function planApprovalResolve(params: Params, ctx: PlanContext): PlanResult {
  const method = 'exec.approval.resolve'
  const id = idParam(method, params)
  if (!id.ok) return id.result
  const decision = decisionParam(method, params.decision)
  if (!decision) return invalidParams(method, describeParam(method, 'decision') ?? 'decision is required')
  return deskPlan(method, ctx, (desk, viewer, call) => desk.approvals.resolve(viewer, { id: id.id, decision }, call))
}

/** `approval.resolve {id, kind, decision}`. */
export function planAnyApprovalResolve(params: Params, ctx: PlanContext): PlanResult {
  const method = 'approval.resolve'
  const id = idParam(method, params)
  if (!id.ok) return id.result
  const decision = decisionParam(method, params.decision)
  if (!decision) return invalidParams(method, describeParam(method, 'decision') ?? 'decision is required')
  const kind = params.kind
  if (kind !== 'exec' && kind !== 'plugin')
    return invalidParams(method, describeParam(method, 'kind') ?? 'kind is required')
  return deskPlan(method, ctx, (desk, viewer, call) =>
    desk.approvals.resolve(viewer, { id: id.id, decision, kind }, call),
  )
}
