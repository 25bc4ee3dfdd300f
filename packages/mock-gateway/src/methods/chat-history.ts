import { validateChatHistoryParams } from '@openclaw/gateway-protocol'
import { invalidRequest } from '../gateway/errors.js'
import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import { buildHistoryDefaults } from '../fixtures/model-catalog.js'
import { readHistoryPage } from '../sessions/history-page.js'
import { Scopes } from '../connection/scopes.js'
import { lookupSessionKey } from '../sessions/session-keys.js'
import { buildEmptySessionInfo, buildSessionInfo } from '../sessions/session-rows.js'
import { checkParams, isRecord, paramsOrEmpty, type MethodDefinition } from './method-types.js'
import { historyActivity } from '../sessions/tool-messages.js'
import type { ChatRun } from '../runs/chat-run.js'

/**
 * `inFlightRun` (top level) while the session runs something: the running run with its text so far
 * (the real gateway 2026.9.6 also lists recent `agent` frames as `events` there — measured, not in
 * the t2 reference recording; the mock leaves it out), or, while messages
 * are queued behind a run waiting for an approval, the newest QUEUED run with no text (t2 phase 3;
 * measured again in e2e/real-gateway/manage-facts.test.ts). Absent when idle.
 */
function inFlight(runs: ChatRun[], queue: Array<Record<string, unknown>>): Record<string, unknown> {
  const last = queue.at(-1)
  if (last) return { inFlightRun: { runId: last.runId, text: '', startedAt: last.acceptedAt } }
  const run = runs.at(-1)
  return run ? { inFlightRun: run.inFlight() } : {}
}

/**
 * `maxBytes` is taken by the real gateway 2026.9.6 (an integer, at least 1024) but missing from
 * the official schema package 2026.9.1: checked here with the real error, the rest by the schema.
 */
function takeMaxBytes(params: unknown): { rest: unknown; maxBytes: number | undefined } {
  if (!isRecord(params) || !Object.hasOwn(params, 'maxBytes')) return { rest: params, maxBytes: undefined }
  const { maxBytes, ...rest } = params
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes))
    throw invalidRequest('invalid chat.history params: at /maxBytes: must be integer')
  if (maxBytes < 1024) throw invalidRequest('invalid chat.history params: at /maxBytes: must be >= 1024')
  return { rest, maxBytes }
}

/**
 * `chat.history {sessionKey, limit?, offset?, maxChars?, maxBytes?}`: echoes the key as sent,
 * returns one page of the canonical session's messages (bounded and paged like the real gateway:
 * see history-page.ts) with their `__openclaw` metadata, `deltaCursor` (on the newest page only)
 * and the full `sessionInfo` row; an unknown key (even 600 characters or another agent's) answers
 * ok with no messages (SESSIONS-AND-BROADCAST Q1).
 */
export const chatHistory: MethodDefinition = {
  name: 'chat.history',
  scope: Scopes.READ,
  handle({ core }, params) {
    const { rest, maxBytes } = takeMaxBytes(paramsOrEmpty(params))
    const p = checkParams('chat.history', validateChatHistoryParams, rest)
    const key = lookupSessionKey(p.sessionKey)
    const session = core.store.get(key)
    const base = { pendingInputs: { items: [], total: 0 } }
    if (!session) {
      return {
        payload: {
          sessionKey: p.sessionKey,
          messages: [],
          ...base,
          ...(p.offset !== undefined ? { offset: p.offset } : {}),
          hasMore: false,
          totalMessages: 0,
          defaults: buildHistoryDefaults(),
          sessionInfo: buildEmptySessionInfo(key),
        },
      }
    }
    const page = readHistoryPage(session.messages, { limit: p.limit, offset: p.offset, maxChars: p.maxChars, maxBytes })
    const activity = historyActivity(session, page.messages)
    const running = core.runs.activeInSession(key)
    const queue = running.flatMap((r) => r.tools.pendingInputs())
    const cursor = {
      agentId: MAIN_AGENT_ID,
      generation: session.generation,
      lastSeq: session.rawSeq,
      sessionId: session.sessionId,
      version: 1,
    }
    return {
      payload: {
        sessionKey: p.sessionKey,
        sessionId: session.sessionId,
        messages: page.messages,
        ...(activity.length > 0 ? { activity } : {}),
        pendingInputs: { items: queue, total: queue.length },
        ...((p.offset ?? 0) === 0 ? { deltaCursor: Buffer.from(JSON.stringify(cursor)).toString('base64') } : {}),
        ...(p.offset !== undefined ? { offset: p.offset } : {}),
        ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
        hasMore: page.hasMore,
        totalMessages: page.totalMessages,
        defaults: buildHistoryDefaults(),
        sessionInfo: buildSessionInfo(session),
        ...inFlight(running, queue),
      },
    }
  },
}
