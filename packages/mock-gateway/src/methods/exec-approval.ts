import {
  validateApprovalGetParams,
  validateApprovalResolveParams,
  validateExecApprovalGetParams,
  validateExecApprovalResolveParams,
} from '@openclaw/gateway-protocol'
import { anyApprovalView, approvalItem, approvalNotFound, execApprovalView } from '../approvals/approval-registry.js'
import { KNOWN_DECISIONS } from '../approvals/approval-request.js'
import { Scopes } from '../connection/scopes.js'
import { invalidRequest } from '../gateway/errors.js'
import { checkParams, isRecord, paramsOrEmpty, type MethodDefinition, type ParamsValidator } from './method-types.js'

/*
 * Exec approvals (TOOLS-AND-APPROVALS "Methods", t2): every method needs `operator.approvals` (or
 * admin) and answers only from what the caller may see; an id it cannot see is "unknown or expired
 * approval id" (`APPROVAL_NOT_FOUND`), whoever's it is.
 */

/** `approval.*` params errors are the bare "invalid <method> params" (t2: `approval.get` with `kind`). */
function checkBare<T>(method: string, validate: ParamsValidator<T>, params: unknown): T {
  if (validate(params)) return params
  throw invalidRequest(`invalid ${method} params`)
}

function checkDecision(decision: string): void {
  if (!KNOWN_DECISIONS.includes(decision)) throw invalidRequest('invalid decision')
}

/** `exec.approval.list {}` → the pending approvals the caller may see (admins: all). */
export const execApprovalList: MethodDefinition = {
  name: 'exec.approval.list',
  scope: Scopes.APPROVALS,
  handle({ core, conn }, params) {
    const p = paramsOrEmpty(params)
    if (!isRecord(p)) throw invalidRequest('invalid exec.approval.list params: at root: must be object')
    const extra = Object.keys(p)[0]
    if (extra !== undefined) {
      throw invalidRequest(`invalid exec.approval.list params: at root: unexpected property '${extra}'`)
    }
    return { payload: core.approvals.list(conn).map(approvalItem) }
  },
}

/**
 * `exec.approval.get {id}` → `{id, commandText, commandPreview, allowedDecisions, host, nodeId, agentId,
 * expiresAtMs}` (no request, session key or run id, as recorded 2026-12-04).
 */
export const execApprovalGet: MethodDefinition = {
  name: 'exec.approval.get',
  scope: Scopes.APPROVALS,
  handle({ core, conn }, params) {
    const p = checkParams('exec.approval.get', validateExecApprovalGetParams, params)
    return { payload: execApprovalView(core.approvals.get(conn, p.id)) }
  },
}

/**
 * `exec.approval.resolve {id, decision}` → `{ok:true}`, after `exec.approval.resolved` and the run's
 * `approval-resolved` went out. The same decision again is `{ok:true}`; another one
 * `APPROVAL_ALREADY_RESOLVED`.
 */
export const execApprovalResolve: MethodDefinition = {
  name: 'exec.approval.resolve',
  scope: Scopes.APPROVALS,
  handle({ core, conn }, params) {
    const p = checkParams('exec.approval.resolve', validateExecApprovalResolveParams, params)
    checkDecision(p.decision)
    core.approvals.resolve(conn, p.id, p.decision)
    return { payload: { ok: true } }
  },
}

/** `approval.get {id}` → `{approval: {…, presentation}}` (an extra `kind` is refused, as recorded). */
export const approvalGet: MethodDefinition = {
  name: 'approval.get',
  scope: Scopes.APPROVALS,
  handle({ core, conn }, params) {
    const p = checkBare('approval.get', validateApprovalGetParams, params)
    return { payload: anyApprovalView(core.approvals.get(conn, p.id)) }
  },
}

/** `approval.resolve {id, kind, decision}`: the kind-agnostic resolve (exec is the only kind here). */
export const approvalResolve: MethodDefinition = {
  name: 'approval.resolve',
  scope: Scopes.APPROVALS,
  handle({ core, conn }, params) {
    const p = checkBare('approval.resolve', validateApprovalResolveParams, params)
    checkDecision(p.decision)
    if (String(p.kind) !== 'exec') throw approvalNotFound()
    core.approvals.resolve(conn, p.id, p.decision)
    return { payload: { ok: true } }
  },
}
