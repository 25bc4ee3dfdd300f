import { validateSessionsResetParams } from '@openclaw/gateway-protocol'
import { MODEL } from '../fixtures/gateway-identity.js'
import { Scopes } from '../connection/scopes.js'
import { requireCanonicalSessionKey } from '../sessions/session-keys.js'
import { buildResetEntry } from '../sessions/session-rows.js'
import { checkParams, type MethodDefinition } from './method-types.js'

/**
 * `sessions.reset {key}` (needs `operator.admin`): keeps the `sessionId`, renews
 * `lifecycleRevision`, zeroes the counters and leaves a single "Reset" system message; a key that
 * does not exist is created (`classification:"custom"`, no `chatType`). `sessions.subscribe`
 * subscribers get `sessions.changed` `reason:"reset"` (MORE-BEHAVIOURS Q1).
 */
export const sessionsReset: MethodDefinition = {
  name: 'sessions.reset',
  scope: Scopes.ADMIN,
  handle({ core }, params) {
    const p = checkParams('sessions.reset', validateSessionsResetParams, params)
    const key = requireCanonicalSessionKey(p.key)
    const { session } = core.store.ensure(key, { via: 'reset' })
    core.store.reset(session)
    return {
      payload: {
        ok: true,
        key,
        entry: buildResetEntry(session),
        resolved: { modelProvider: MODEL.provider, model: MODEL.id },
      },
      afterResponse: () => core.emitSessionsChanged(session, { reason: 'reset' }),
    }
  },
}
