import { validateChatAbortParams } from '@openclaw/gateway-protocol'
import { invalidRequest, mutationTargetRequired } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import { lookupSessionKey } from '../sessions/session-keys.js'
import { checkParams, isRecord, type MethodDefinition } from './method-types.js'

/**
 * `chat.abort {sessionKey, runId?}` (SESSIONS-AND-BROADCAST Q3): only the connection that started a
 * run (the device, for device-signed clients) or an `operator.admin` connection may abort it,
 * others get `INVALID_REQUEST` "unauthorized". A runId is found whatever session is named; without
 * one the session's running runs are aborted. Nothing to abort → `{ok:true,aborted:false,runIds:[]}`;
 * `{}` → "session mutation target is unavailable".
 */
export const chatAbort: MethodDefinition = {
  name: 'chat.abort',
  scope: Scopes.WRITE,
  handle({ core, conn }, params) {
    if (!isRecord(params) || params.sessionKey === undefined) throw mutationTargetRequired('chat.abort')
    const p = checkParams('chat.abort', validateChatAbortParams, params)
    const targets =
      p.runId !== undefined
        ? [core.runs.activeRun(p.runId)].filter((r) => r !== undefined)
        : core.runs.activeInSession(lookupSessionKey(p.sessionKey))
    if (targets.length === 0) return { payload: { ok: true, aborted: false, runIds: [] } }
    const admin = conn.scopes.includes(Scopes.ADMIN)
    const allowed = admin ? targets : targets.filter((r) => r.ownerId === conn.ownerId)
    if (allowed.length === 0) throw invalidRequest('unauthorized')
    const runIds = allowed.filter((r) => r.abort()).map((r) => r.runId)
    return { payload: { ok: true, aborted: runIds.length > 0, runIds } }
  },
}
