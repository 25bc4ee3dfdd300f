import { ErrorCodes, validateSessionsRewindParams } from '@openclaw/gateway-protocol'
import { randomUUID } from 'node:crypto'
import { GatewayRequestError, invalidRequest } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import { lookupSessionKey } from '../sessions/session-keys.js'
import type { SessionRecord, StoredMessage } from '../sessions/session-store.js'
import { checkParams, type MethodDefinition } from './method-types.js'

/*
 * `sessions.rewind {sessionKey, entryId}` as measured on openclaw 2026.9.6
 * (e2e/real-gateway/manage-facts.test.ts, test/fixtures/recorded/manage-facts.json).
 */

/** The ids of entries a rewind took off each session's active path ("not on the active path" later). */
const REWOUND = new WeakMap<SessionRecord, Set<string>>()

/** The sessionIds each session had before its rewinds (each left a transcript behind). */
const EARLIER_IDS = new WeakMap<SessionRecord, string[]>()

/**
 * Every transcript a session has: one per incarnation (a rewind starts a new one, measured: a
 * delete after a rewind lists two archived transcripts).
 */
export function transcriptSessionIds(session: SessionRecord): string[] {
  return [...(EARLIER_IDS.get(session) ?? []), session.sessionId]
}

/** A history row's transcript entry id (`__openclaw.id`). */
export function entryIdOf(message: StoredMessage): string | undefined {
  const id = (message.__openclaw as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : undefined
}

/** The text of a user row (its string content, or its text parts joined). */
function userText(message: StoredMessage): string {
  const content = message.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((p: { type?: unknown; text?: unknown }) => (p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .join('')
}

function entryError(session: SessionRecord, entryId: string): GatewayRequestError {
  return REWOUND.get(session)?.has(entryId)
    ? invalidRequest(`message entry is not on the active path: ${entryId}`)
    : invalidRequest(`message entry not found: ${entryId}`)
}

/**
 * `sessions.rewind` (operator.admin): repoints the session to the state before one persisted user
 * message and answers `{editorText}` (that message's text; no `ok` field). The rows from that
 * message on leave the history, and the session gets a new `sessionId`. Errors, as measured: an
 * unknown session `session not found: <key as sent>`; an unknown id `message entry not found: <id>`;
 * a rewound-away id `message entry is not on the active path: <id>`; an assistant (or other) row
 * `entry is not a user message: <id>`; an
 * archived session "Rewind is unavailable for archived sessions."; a running session `UNAVAILABLE`
 * "Rewind is unavailable while the agent is working.".
 */
export const sessionsRewind: MethodDefinition = {
  name: 'sessions.rewind',
  scope: Scopes.ADMIN,
  handle({ core }, params) {
    const p = checkParams('sessions.rewind', validateSessionsRewindParams, params)
    const key = lookupSessionKey(p.sessionKey)
    const session = core.store.get(key)
    if (!session) throw invalidRequest(`session not found: ${p.sessionKey}`)
    if (session.archivedAt !== undefined) throw invalidRequest('Rewind is unavailable for archived sessions.')
    if (core.runs.activeInSession(key).length > 0)
      throw new GatewayRequestError({
        code: ErrorCodes.UNAVAILABLE,
        message: 'Rewind is unavailable while the agent is working.',
      })
    const index = session.messages.findIndex((m) => entryIdOf(m) === p.entryId)
    const target = session.messages[index]
    if (!target) throw entryError(session, p.entryId)
    if (target.role !== 'user') throw invalidRequest(`entry is not a user message: ${p.entryId}`)
    const removed = session.messages.splice(index)
    const rewound = REWOUND.get(session) ?? new Set<string>()
    for (const m of removed) {
      const id = entryIdOf(m)
      if (id !== undefined) rewound.add(id)
    }
    REWOUND.set(session, rewound)
    const last = session.messages.at(-1)
    session.lastMessagePreview = last ? userText(last).slice(0, 120) || undefined : undefined
    // The rewound session is a new incarnation: a new sessionId (measured), so an `archived` patch
    // needs the id read after the rewind.
    EARLIER_IDS.set(session, transcriptSessionIds(session))
    session.sessionId = randomUUID()
    session.updatedAt = Date.now()
    return { payload: { editorText: userText(target) } }
  },
}
