/**
 * Managing one's own chats (issue 20): `sessions.patch` (rename, pin, archive), `sessions.delete`
 * and `sessions.rewind` — each on one of the caller's own sessions only, named like every other
 * key (so no crafted value can name anybody else's), with only the fields ClawChat allows going
 * upstream. Labels go upstream behind the user's prefix (`session-labels.ts`) and come back
 * without it. Measured on the gateway (2026.9.6): archiving needs the session's current
 * `expectedSessionId`, so a plan that archives reads it first; a delete archives the session,
 * then deletes it with `archivedOnly` (no `operator.admin` needed for that call, and nothing that
 * is not archived can go).
 */
import { isRecord } from '../../common/records.js'
import {
  invalidParams,
  requiredSessionKeyOf,
  singleCall,
  type Params,
  type PlanResult,
  type Planner,
} from '../request-plan.js'
import { patchAnswer } from '../sanitize-session.js'
import { checkLabel, upstreamLabel } from '../session-labels.js'
import { gatewaySessionKey } from '../session-keys.js'
import { upstreamParamsProblem } from '../upstream-params.js'
import { planRefusal, sessionIdOf, showingLabel } from './session-lookup.js'

/** Longest `entryId` taken (the browser is given ids of at most 128 characters). */
export const ENTRY_ID_MAX_CHARS = 200

/** A stand-in session id, to check the shape of a request whose real id is read when the plan runs. */
const SOME_SESSION_ID = 'session-id'

/** `upstream` checked against the gateway's schema of `method`: the refusal, or `undefined` when it fits. */
function misfit(method: 'sessions.patch' | 'sessions.delete', upstream: Params): PlanResult | undefined {
  const problem = upstreamParamsProblem(method, upstream)
  return problem === undefined ? undefined : invalidParams(method, problem)
}

/** The flags of a patch (`pinned`, `archived`) checked, or the refusal naming the bad one. */
function patchFlags(params: Params): { ok: true; flags: Params } | { ok: false; problem: string } {
  const flags: Params = {}
  for (const flag of ['pinned', 'archived'] as const) {
    const value = params[flag]
    if (value === undefined) continue
    if (typeof value !== 'boolean') return { ok: false, problem: `${flag} must be a boolean, got ${typeof value}` }
    flags[flag] = value
  }
  return { ok: true, flags }
}

/**
 * Plans a `sessions.patch`: `label` (1–100 characters after trimming, or `null` to clear it),
 * `pinned`, `archived` — at least one of them — on one of the caller's sessions.
 *
 * @example
 * planSessionsPatch({ key: 'work', label: 'Trip' }, ctx)
 * // upstream: { key: 'clawchat:mfwgsy3f:work', label: 'clawchat:mfwgsy3f:Trip' }
 * // answer:   { ok: true, key: 'work', label: 'Trip', pinned: false, archived: false }
 */
export const planSessionsPatch: Planner = (params, ctx) => {
  const method = 'sessions.patch'
  const session = requiredSessionKeyOf(method, 'key', params.key)
  if (!session.ok) return session.result
  const flags = patchFlags(params)
  if (!flags.ok) return invalidParams(method, flags.problem)
  const gatewayKey = gatewaySessionKey(ctx.namespace, ctx.userId, session.key)
  const upstream: Params = { key: gatewayKey, ...flags.flags }
  let label: string | null | undefined
  if (params.label !== undefined) {
    const checked = checkLabel(params.label, ctx.namespace, ctx.userId)
    if (!checked.ok) return invalidParams(method, checked.problem)
    label = checked.label
    upstream.label = label === null ? null : upstreamLabel(ctx.namespace, ctx.userId, label)
  }
  if (Object.keys(upstream).length === 1) return invalidParams(method, 'name at least one of label, pinned, archived')
  const archives = upstream.archived !== undefined
  const refused = misfit(method, archives ? { ...upstream, expectedSessionId: SOME_SESSION_ID } : upstream)
  if (refused) return refused
  const sent = typeof upstream.label === 'string' ? upstream.label : undefined
  return {
    ok: true,
    plan: {
      method,
      sessionKey: session.key,
      async run(call) {
        const request = { ...upstream }
        if (archives) {
          const sessionId = await sessionIdOf(call, gatewayKey)
          if (sessionId === undefined) throw planRefusal(`session not found: ${session.key}`)
          request.expectedSessionId = sessionId
        }
        const patching = call(method, request)
        const payload = sent === undefined ? await patching : await showingLabel(patching, sent, String(label))
        return patchAnswer(ctx, session.key, payload)
      },
    },
  }
}

/**
 * Plans a `sessions.delete` of one of the caller's sessions, with its transcript: archive it, then
 * delete it `archivedOnly`. No such session: `{deleted: false}`, and nothing is changed.
 *
 * @example
 * planSessionsDelete({ key: 'work' }, ctx) // → { ok: true, key: 'work', deleted: true }
 */
export const planSessionsDelete: Planner = (params, ctx) => {
  const method = 'sessions.delete'
  const session = requiredSessionKeyOf(method, 'key', params.key)
  if (!session.ok) return session.result
  const key = gatewaySessionKey(ctx.namespace, ctx.userId, session.key)
  const archive: Params = { key, archived: true }
  const remove: Params = { key, archivedOnly: true, deleteTranscript: true }
  const refused = misfit('sessions.patch', { ...archive, expectedSessionId: SOME_SESSION_ID }) ?? misfit(method, remove)
  if (refused) return refused
  return {
    ok: true,
    plan: {
      method,
      sessionKey: session.key,
      async run(call) {
        const sessionId = await sessionIdOf(call, key)
        if (sessionId === undefined) return { ok: true, key: session.key, deleted: false }
        await call('sessions.patch', { ...archive, expectedSessionId: sessionId })
        const payload = await call(method, remove)
        const source = isRecord(payload) ? payload : {}
        return { ok: source.ok !== false, key: session.key, deleted: source.deleted === true }
      },
    },
  }
}

/**
 * Plans a `sessions.rewind`: one of the caller's sessions goes back to just before its user
 * message `entryId` (a `chat.history` message's `id`). The answer carries that message's text.
 *
 * @example
 * planSessionsRewind({ sessionKey: 'work', entryId: 'a1b2' }, ctx) // → { ok: true, editorText: 'Hello' }
 */
export const planSessionsRewind: Planner = (params, ctx) => {
  const method = 'sessions.rewind'
  const session = requiredSessionKeyOf(method, 'sessionKey', params.sessionKey)
  if (!session.ok) return session.result
  const { entryId } = params
  if (
    typeof entryId !== 'string' ||
    entryId.length === 0 ||
    entryId.length > ENTRY_ID_MAX_CHARS ||
    /\p{Cc}/u.test(entryId)
  ) {
    return invalidParams(
      method,
      `entryId must be the id of one of the session's user messages (a chat.history message's id): ` +
        `1 to ${ENTRY_ID_MAX_CHARS} characters without control characters`,
    )
  }
  const upstream: Params = { sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key), entryId }
  return singleCall(method, session.key, upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    return typeof source.editorText === 'string' ? { ok: true, editorText: source.editorText } : { ok: true }
  })
}
