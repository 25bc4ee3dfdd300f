/**
 * The shape of a planned request — pure: what a planner knows about the caller, what it answers
 * (a plan to run upstream, or an error to answer at once), and the helpers every planner shares.
 */
import { parseSessionKey, type ClawChatRunsResult, type ErrorShape, type MethodName } from '@clawchat/protocol'
import type { CommandAllowance } from './commands.js'
import type { SessionPermissions } from './permissions.js'
import type { WorkDesk } from './approvals/agent-work.js'
import type { ReadBounds } from './bounded-reads.js'
import { invalidRequest } from '../common/errors.js'
import type { Role } from './method-policy.js'
import type { ViewContext } from './sanitize.js'
import { upstreamParamsProblem } from './upstream-params.js'

/** Everything a planner needs to know about the caller. */
export interface PlanContext extends ViewContext {
  role: Role
  /**
   * The gateway text commands (`/status`, …) this caller may run; every other `chat.send` goes
   * upstream with `suppressCommandInterpretation: true`. Default: none.
   */
  commands?: CommandAllowance
  /**
   * The bounds of `chat.history` and `sessions.list` answers (`limits.history*`,
   * `limits.sessionsListMaxRows`). Default: the default limits.
   */
  limits?: Partial<ReadBounds>
  /** Makes a fresh idempotency key when the browser sent none (injected to keep this pure). */
  newIdempotencyKey: () => string
  /** The approvals and questions of the proxy (the approval and question methods answer from them). */
  work?: WorkDesk
  /** `policy.permissions`: `chat.send` prepares the session and asserts its mode (default: none). */
  permissions?: SessionPermissions
  /**
   * The caller's runs in progress with their text so far, and the last event `seq` of the
   * caller's connection that text covers (`clawchat.runs`; without it, that method is unavailable).
   */
  liveRuns?: () => ClawChatRunsResult
}

/** Sends one request upstream and resolves with its payload (or rejects with the gateway's error). */
export type UpstreamCall = (method: string, params: Record<string, unknown>) => Promise<unknown>

/** A request the proxy will make on the user's behalf. */
export interface RequestPlan {
  /** The upstream method (for logs and audit). */
  method: string
  /** The browser session key it concerns, when there is one (for logs and audit). */
  sessionKey?: string
  /** Runs the request through `call` and resolves with what the browser may see. */
  run(call: UpstreamCall): Promise<unknown>
  /**
   * A request the proxy answers itself, at once (never upstream, whatever the gateway's state):
   * the answer, made just before it is sent.
   */
  answer?: () => unknown
}

/** The result of planning: a plan to run, or the error to answer at once. */
export type PlanResult = { ok: true; plan: RequestPlan } | { ok: false; error: ErrorShape }

/** A browser's (or the gateway's) params object. */
export type Params = Record<string, unknown>

/** Plans one browser method: its params (already an object of whitelisted fields) and the caller. */
export type Planner = (params: Params, ctx: PlanContext) => PlanResult

/** The `INVALID_REQUEST` answer `invalid <method> params: <problem>`. */
export function invalidParams(method: string, problem: string): PlanResult {
  return { ok: false, error: invalidRequest(`invalid ${method} params: ${problem}`) }
}

/** The browser's session key checked and lower-cased (`main` when left out), or the refusal. */
export function sessionKeyOf(
  method: string,
  value: unknown,
): { ok: true; key: string } | { ok: false; result: PlanResult } {
  const parsed = parseSessionKey(value)
  return parsed.ok ? parsed : { ok: false, result: invalidParams(method, parsed.message) }
}

/**
 * A session key the browser must name (no `main` by default: a rename or a delete names its
 * session), checked and lower-cased like every key; the refusal names the field.
 *
 * @example
 * requiredSessionKeyOf('sessions.delete', 'key', undefined) // refusal: "key is required: …"
 */
export function requiredSessionKeyOf(
  method: string,
  field: string,
  value: unknown,
): { ok: true; key: string } | { ok: false; result: PlanResult } {
  if (value === undefined) return { ok: false, result: invalidParams(method, `${field} is required: the session key`) }
  const parsed = parseSessionKey(value)
  if (parsed.ok) return parsed
  return { ok: false, result: invalidParams(method, parsed.message.replace(/^sessionKey\b/, field)) }
}

/**
 * A plan of exactly one upstream call: send `upstream` — once it fits the gateway's schema —
 * then turn the gateway's payload into what the browser may see with `answer` (which must
 * whitelist and rewrite, never pass through).
 */
export function singleCall(
  method: MethodName,
  sessionKey: string | undefined,
  upstream: Params,
  answer: (payload: unknown) => unknown,
): PlanResult {
  const problem = upstreamParamsProblem(method, upstream)
  if (problem !== undefined) return invalidParams(method, problem)
  const plan: RequestPlan = {
    method,
    async run(call) {
      return answer(await call(method, upstream))
    },
  }
  if (sessionKey !== undefined) plan.sessionKey = sessionKey
  return { ok: true, plan }
}
