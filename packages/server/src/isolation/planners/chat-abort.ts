/**
 * `chat.abort`: stops the active run of one of the caller's own sessions, or the named run — which
 * can only ever be the caller's own.
 */
import {
  invalidParams,
  sessionKeyOf,
  singleCall,
  type Params,
  type PlanContext,
  type Planner,
} from '../request-plan.js'
import { isRecord } from '../../common/records.js'
import { browserRunId } from '../sanitize.js'
import { IDEMPOTENCY_KEY_PATTERN, gatewaySessionKey, parseUpstreamRunId, upstreamRunId } from '../session-keys.js'

const METHOD = 'chat.abort'

const BAD_RUN_ID =
  'runId must be the idempotencyKey your chat.send used (1 to 128 printable ASCII characters), ' +
  "or left out to abort the session's active run"

/** The aborted runs the caller may hear of (their own on this session), under the caller's names. */
function visibleRunIds(ctx: PlanContext, sessionKey: string, runIds: unknown): string[] {
  if (!Array.isArray(runIds)) return []
  return runIds
    .filter((id) => {
      const parsed = parseUpstreamRunId(ctx.namespace, id)
      return parsed === null || (parsed.userId === ctx.userId && parsed.sessionKey === sessionKey)
    })
    .map((id) => browserRunId(ctx, id))
    .filter((id): id is string => id !== undefined)
}

/**
 * Plans a `chat.abort`.
 *
 * @example
 * planChatAbort({ sessionKey: 'work', runId: 'K1' }, ctx) // upstream runId: the caller's own K1 on work
 */
export const planChatAbort: Planner = (params, ctx) => {
  const session = sessionKeyOf(METHOD, params.sessionKey)
  if (!session.ok) return session.result
  const upstream: Params = { sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key) }
  if (params.runId !== undefined) {
    if (typeof params.runId !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(params.runId))
      return invalidParams(METHOD, BAD_RUN_ID)
    // Always re-derived inside the caller's own namespace: a runId can only ever name the
    // caller's own run on the named session, never anybody else's.
    upstream.runId = upstreamRunId(ctx.namespace, ctx.userId, session.key, params.runId)
  }
  return singleCall(METHOD, session.key, upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const runIds = visibleRunIds(ctx, session.key, source.runIds)
    return { ok: source.ok !== false, aborted: source.aborted === true, runIds }
  })
}
