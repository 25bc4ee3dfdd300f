import { validateChatHistoryParams } from '@openclaw/gateway-protocol'
import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import { buildHistoryDefaults } from '../fixtures/model-catalog.js'
import { Scopes } from '../scopes.js'
import { lookupSessionKey } from '../session-keys.js'
import { buildEmptySessionInfo, buildSessionInfo } from '../session-rows.js'
import { checkParams, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/** Messages returned when `limit` is not given (not recorded; the reference never had more). */
const DEFAULT_HISTORY_LIMIT = 200

/**
 * `chat.history {sessionKey, limit?}`: echoes the key as sent, returns the canonical session's
 * messages with their `__openclaw` metadata, `deltaCursor` and the full `sessionInfo` row; an unknown
 * key (even 600 characters or another agent's) answers ok with no messages (SESSIONS-AND-BROADCAST Q1).
 */
export const chatHistory: MethodDefinition = {
  name: 'chat.history',
  scope: Scopes.READ,
  handle({ core }, params) {
    const p = checkParams('chat.history', validateChatHistoryParams, paramsOrEmpty(params))
    const key = lookupSessionKey(p.sessionKey)
    const session = core.store.get(key)
    const base = { pendingInputs: { items: [], total: 0 } }
    if (!session) {
      return {
        payload: {
          sessionKey: p.sessionKey,
          messages: [],
          ...base,
          hasMore: false,
          totalMessages: 0,
          defaults: buildHistoryDefaults(),
          sessionInfo: buildEmptySessionInfo(key),
        },
      }
    }
    const limit = p.limit ?? DEFAULT_HISTORY_LIMIT
    const total = session.messages.length
    const messages = structuredClone(session.messages.slice(Math.max(0, total - limit)))
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
        messages,
        ...base,
        deltaCursor: Buffer.from(JSON.stringify(cursor)).toString('base64'),
        hasMore: total > limit,
        totalMessages: total,
        defaults: buildHistoryDefaults(),
        sessionInfo: buildSessionInfo(session),
      },
    }
  },
}
