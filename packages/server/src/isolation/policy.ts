/**
 * Where isolation lives — pure functions, no sockets: may this user call this method, on which
 * gateway session, with which params; and what of the answer may the user see.
 *
 * Every method a browser can reach has a planner (`planners/`). Before a planner runs, the
 * browser's params are checked against `@clawchat/protocol`'s closed list for the method (extra
 * params → `INVALID_REQUEST`). A planner maps the browser's session key and run id into the user's
 * own namespace (so no crafted value can name anybody else's session or run), checks what goes
 * upstream against the gateway's own schema, and maps the gateway's answer back through the field
 * whitelists.
 */
import { CLAWCHAT_METHODS, unexpectedParam, type MethodName } from '@clawchat/protocol'
import { forbidden } from '../common/errors.js'
import { mayCall, type MethodPolicy } from './method-policy.js'
import {
  planAnyApprovalGet,
  planAnyApprovalResolve,
  planApprovalGet,
  planApprovalList,
  planApprovalResolve,
} from './planners/approvals.js'
import { planChatAbort } from './planners/chat-abort.js'
import { planClawChatRuns } from './planners/clawchat-runs.js'
import { planChatHistory } from './planners/chat-history.js'
import { planChatSend } from './planners/chat-send.js'
import { planModelsList } from './planners/models-list.js'
import { planQuestionList, planQuestionResolve } from './planners/questions.js'
import { planSessionsList, planSessionsReset } from './planners/sessions.js'
import { planSessionsDelete, planSessionsPatch, planSessionsRewind } from './planners/sessions-manage.js'
import { isRecord } from '../common/records.js'
import { invalidParams, type PlanContext, type PlanResult, type Planner } from './request-plan.js'

export {
  DEFAULT_METHOD_POLICY,
  RELAYABLE_METHODS,
  allowedMethods,
  effectiveScopes,
  mayCall,
  type MethodPolicy,
  type Role,
} from './method-policy.js'
export type { PlanContext, PlanResult, RequestPlan, UpstreamCall } from './request-plan.js'

const PLANNERS: Readonly<Record<MethodName, Planner>> = {
  'chat.send': planChatSend,
  'chat.history': planChatHistory,
  'chat.abort': planChatAbort,
  'sessions.list': planSessionsList,
  'sessions.reset': planSessionsReset,
  'sessions.patch': planSessionsPatch,
  'sessions.delete': planSessionsDelete,
  'sessions.rewind': planSessionsRewind,
  'models.list': planModelsList,
  'exec.approval.list': planApprovalList,
  'exec.approval.get': planApprovalGet,
  'exec.approval.resolve': planApprovalResolve,
  'approval.get': planAnyApprovalGet,
  'approval.resolve': planAnyApprovalResolve,
  'question.list': planQuestionList,
  'question.resolve': planQuestionResolve,
  'clawchat.runs': planClawChatRuns,
}

/** A method the proxy has a planner for (own properties only: no `constructor`, no `__proto__`). */
const isPlannable = (method: string): method is MethodName => Object.hasOwn(PLANNERS, method)

/** ClawChat's own methods: answered by the proxy, allowed to every authenticated user whatever the policy. */
const isClawChatMethod = (method: string): boolean => (CLAWCHAT_METHODS as readonly string[]).includes(method)

/**
 * Checks the policy, then plans one browser request: `{ ok: false, error }` to answer at once, or a
 * plan to run upstream.
 *
 * @example
 * const r = planRequest(DEFAULT_METHOD_POLICY, 'chat.send', { message: 'Hello' }, ctx)
 * if (r.ok) reply(await r.plan.run((m, p) => link.request(m, p)))
 */
export function planRequest(policy: MethodPolicy, method: string, params: unknown, ctx: PlanContext): PlanResult {
  const own = isClawChatMethod(method)
  const denied = own ? null : mayCall(policy, ctx.role, method)
  if (denied) return { ok: false, error: denied }
  if (!isPlannable(method)) return { ok: false, error: forbidden(`Method "${method}" cannot be relayed.`) }
  if (params !== undefined && params !== null && !isRecord(params))
    return invalidParams(method, 'params must be an object')
  const fields = params ?? {}
  if (own) return PLANNERS[method](fields, ctx)
  const unexpected = unexpectedParam(method, fields)
  if (unexpected !== undefined) return invalidParams(method, unexpected)
  return PLANNERS[method](fields, ctx)
}
