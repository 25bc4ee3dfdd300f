import { buildStatusPayload } from '../fixtures/status.js'
import { Scopes } from '../connection/scopes.js'
import { type MethodDefinition } from './method-types.js'

/**
 * `status {}` (read): redacted for non-admins (`paths: []`, `path: "[redacted]"`, `recent: []`) as
 * recorded; the admin form fills in paths and recent sessions (not recorded). The protocol package
 * exports no validator for its params, so they are not checked.
 */
export const status: MethodDefinition = {
  name: 'status',
  scope: Scopes.READ,
  handle({ core, conn }) {
    const now = Date.now()
    const recent = core.store
      .list()
      .slice(0, 10)
      .map((s) => ({ key: s.key, sessionId: s.sessionId, updatedAt: s.updatedAt, age: now - s.updatedAt }))
    return {
      payload: buildStatusPayload({ admin: conn.scopes.includes(Scopes.ADMIN), sessionCount: core.store.size, recent }),
    }
  },
}
