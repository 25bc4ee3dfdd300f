import { validateSessionsListParams } from '@openclaw/gateway-protocol'
import { OWNER_PROFILE_ID, SESSIONS_PATH } from '../fixtures/gateway-identity.js'
import { buildSessionsListDefaults } from '../fixtures/model-catalog.js'
import { Scopes } from '../scopes.js'
import { buildSessionRow } from '../session-rows.js'
import { checkParams, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/**
 * `sessions.list`: every session of every client (no per-connection scoping, like the real one),
 * rows with all the upstream identifiers, top-level `path`, `owners`, paging fields
 * (SESSIONS-AND-BROADCAST Q1, MORE-BEHAVIOURS Q4). Supports `limit`, `offset`, `label` (the mock
 * has no labels, so a label matches nothing) and `includeLastMessage`; other filters are accepted
 * and ignored.
 */
export const sessionsList: MethodDefinition = {
  name: 'sessions.list',
  scope: Scopes.READ,
  handle({ core, conn }, params) {
    const p = checkParams('sessions.list', validateSessionsListParams, paramsOrEmpty(params))
    const now = Date.now()
    const all = p.label !== undefined ? [] : core.store.list()
    const limit = p.limit ?? 100
    const offset = p.offset ?? 0
    const page = all.slice(offset, offset + limit)
    const hasMore = offset + limit < all.length
    const device = conn.identity?.deviceId !== undefined
    const owners = all.some((s) => s.createdByDevice)
      ? [{ type: 'human', id: OWNER_PROFILE_ID, identity: { type: 'profile', id: OWNER_PROFILE_ID } }]
      : []
    return {
      payload: {
        ts: now,
        path: all.length === 0 ? '(multiple)' : SESSIONS_PATH,
        count: page.length,
        totalCount: all.length,
        limitApplied: limit,
        nextOffset: hasMore ? offset + limit : null,
        hasMore,
        owners,
        defaults: buildSessionsListDefaults(),
        sessions: page.map((s) => {
          const row = buildSessionRow(s, now, { includeLastMessage: p.includeLastMessage === true })
          return device ? { ...row, hiddenFromInvolvingMe: false } : row
        }),
      },
    }
  },
}
