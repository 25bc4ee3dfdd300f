/**
 * `sessions.list` and `sessions.reset`: the caller's own sessions only — one bounded upstream
 * request for a list, each row whitelisted; a reset of one of the caller's own keys.
 */
import { previewOf, readBounds, sessionsListPaging, sessionsListRequest } from '../bounded-reads.js'
import {
  invalidParams,
  sessionKeyOf,
  singleCall,
  type Params,
  type PlanContext,
  type Planner,
} from '../request-plan.js'
import { isRecord } from '../../common/records.js'
import { sanitizeSessionRow } from '../sanitize-session.js'
import { gatewaySessionKey } from '../session-keys.js'

/** The rows the caller may see (their own), whitelisted, with their last message's preview. */
function visibleSessions(ctx: PlanContext, rows: unknown): Params[] {
  const sessions: Params[] = []
  for (const row of Array.isArray(rows) ? rows : []) {
    const mine = sanitizeSessionRow(ctx, row)
    if (!mine) continue
    const preview = previewOf(row)
    if (preview !== undefined) mine.lastMessagePreview = preview
    sessions.push(mine)
  }
  return sessions
}

/**
 * Plans a `sessions.list`: ONE upstream request, for the caller's own sessions only (the gateway's
 * `search` on the key prefix) — the cost of a list is the caller's sessions, never everybody's.
 *
 * @example
 * planSessionsList({ limit: 20 }, ctx) // upstream: { search: ':clawchat:mfwgsy3f:', limit: 20, … }
 */
export const planSessionsList: Planner = (params, ctx) => {
  const method = 'sessions.list'
  const request = sessionsListRequest(params, readBounds(ctx.limits), ctx.namespace, ctx.userId)
  if (!request.ok) return invalidParams(method, request.problem)
  return singleCall(method, undefined, request.upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const sessions = visibleSessions(ctx, source.sessions)
    return { count: sessions.length, sessions, ...sessionsListPaging(source) }
  })
}

/**
 * Plans a `sessions.reset` of one of the caller's own sessions.
 *
 * @example
 * planSessionsReset({ key: 'work', reason: 'new' }, ctx) // upstream: { key: 'clawchat:…:work', reason: 'new' }
 */
export const planSessionsReset: Planner = (params, ctx) => {
  const method = 'sessions.reset'
  const session = sessionKeyOf(method, params.key)
  if (!session.ok) return session.result
  const upstream: Params = { key: gatewaySessionKey(ctx.namespace, ctx.userId, session.key) }
  if (params.reason !== undefined) upstream.reason = params.reason
  return singleCall(method, session.key, upstream, (payload) => ({
    ok: !isRecord(payload) || payload.ok !== false,
    key: session.key,
  }))
}
