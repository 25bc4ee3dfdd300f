import { MODEL } from '../fixtures/gateway-identity.js'
import type { SessionRecord } from './session-store.js'

/*
 * `sessions.list {search}` as the real gateway 2026.9.6 matches it (session-utils-search in its
 * dist, checked with e2e/real-gateway/probes/history-and-list.probe.ts; fixtures in
 * test/fixtures/paging/): the search, lower-cased, is a substring of one of the row's fields — the
 * canonical key, the label, the session id, the kind, the run status, "live running" / "idle", the
 * model ("provider", "model", "provider/model"; not for a search starting with "agent:"). Never the
 * messages: a message quoting another session's key does not make its session match.
 */

/** The fields of a session a search looks into besides its key, lower-cased. */
function otherFields(s: SessionRecord, search: string): string[] {
  const active = s.activeRunIds.length > 0
  const fields = [s.sessionId, 'direct', s.status ?? '', active ? 'live running' : 'idle']
  if (!search.startsWith('agent:')) fields.push(MODEL.provider, MODEL.id, `${MODEL.provider}/${MODEL.id}`)
  return fields.map((f) => f.toLowerCase())
}

/**
 * Whether `s` matches a `sessions.list` search (`search` as the client sent it).
 *
 * @example
 * matchesSessionSearch(session, ':clawchat:mfwgsy3f:') // true for alice's sessions only
 */
export function matchesSessionSearch(s: SessionRecord, search: string): boolean {
  const needle = search.toLowerCase()
  if (needle === '' || s.key.includes(needle)) return true
  return otherFields(s, needle).some((field) => field.includes(needle))
}
