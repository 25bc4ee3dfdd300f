import { validateSessionsListParams } from '@openclaw/gateway-protocol'
import { OWNER_PROFILE_ID, SESSIONS_PATH } from '../fixtures/gateway-identity.js'
import { buildSessionsListDefaults } from '../fixtures/model-catalog.js'
import { Scopes } from '../connection/scopes.js'
import { buildSessionRow } from '../sessions/session-rows.js'
import { matchesSessionSearch } from '../sessions/session-search.js'
import type { SessionRecord } from '../sessions/session-store.js'
import { checkParams, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/** The filters of `sessions.list` the mock applies, before paging (like the real gateway). */
function selected(
  all: SessionRecord[],
  p: {
    search?: string
    label?: string
    agentId?: string
    archived?: boolean | 'all'
    creatorId?: string
    ownerId?: string
  },
): SessionRecord[] {
  if (p.agentId !== undefined && p.agentId.trim().toLowerCase() !== 'main') return []
  const search = p.search?.trim()
  // Archived sessions are left out unless `archived` is true (only them) or 'all' (measured).
  const archivedOk = (s: SessionRecord) =>
    p.archived === 'all' || (s.archivedAt !== undefined) === (p.archived === true)
  return all.filter(
    (s) =>
      archivedOk(s) &&
      (p.label === undefined || s.label === p.label.trim()) &&
      (!search || matchesSessionSearch(s, search)) &&
      // Only sessions of device-signed clients have a creator and an owner: the one gateway profile.
      (p.creatorId === undefined || (s.createdByDevice && p.creatorId.trim() === OWNER_PROFILE_ID)) &&
      (p.ownerId === undefined || (s.createdByDevice && p.ownerId.trim() === OWNER_PROFILE_ID)),
  )
}

/** Ties are broken by key, like the gateway (`compareSessionEntryPairs`). */
const byKey = (a: SessionRecord, b: SessionRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** `sortBy: "updatedAt"` (the default): pinned sessions first (newest pin first), then by `updatedAt`. */
function byPinnedThenUpdated(a: SessionRecord, b: SessionRecord): number {
  return (b.pinnedAt ?? 0) - (a.pinnedAt ?? 0) || b.updatedAt - a.updatedAt || byKey(a, b)
}

/** `sortBy: "lastInteractionAt"`: no pinned priority. */
function byLastInteraction(a: SessionRecord, b: SessionRecord): number {
  return (b.lastInteractionAt ?? 0) - (a.lastInteractionAt ?? 0) || byKey(a, b)
}

/**
 * `sessions.list`: every session of every client (no per-connection scoping, like the real one),
 * rows with all the upstream identifiers, top-level `path`, `owners`, paging fields
 * (SESSIONS-AND-BROADCAST Q1, MORE-BEHAVIOURS Q4). Applies `search` (session-search.ts), `label`,
 * `agentId`, `archived` (archived sessions only with `true` or `'all'`), `creatorId` and `ownerId`
 * before paging, then `limit`/`offset` (`totalCount` counts what matched), `sortBy` (default
 * `updatedAt` with pinned sessions first; `lastInteractionAt` without) and `includeLastMessage`; other
 * filters are accepted and ignored.
 */
export const sessionsList: MethodDefinition = {
  name: 'sessions.list',
  scope: Scopes.READ,
  handle({ core, conn }, params) {
    const p = checkParams('sessions.list', validateSessionsListParams, paramsOrEmpty(params))
    const now = Date.now()
    const everything = core.store.list()
    const all = selected(everything, p)
    all.sort(p.sortBy === 'lastInteractionAt' ? byLastInteraction : byPinnedThenUpdated)
    const limit = p.limit ?? 100
    const offset = p.offset ?? 0
    const page = all.slice(offset, offset + limit)
    const hasMore = offset + page.length < all.length
    const device = conn.identity?.deviceId !== undefined
    const owners = all.some((s) => s.createdByDevice)
      ? [{ type: 'human', id: OWNER_PROFILE_ID, identity: { type: 'profile', id: OWNER_PROFILE_ID } }]
      : []
    return {
      payload: {
        ts: now,
        path: everything.length === 0 ? '(multiple)' : SESSIONS_PATH,
        count: page.length,
        totalCount: all.length,
        limitApplied: limit,
        ...(offset > 0 ? { offset } : {}),
        nextOffset: hasMore ? offset + page.length : null,
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
