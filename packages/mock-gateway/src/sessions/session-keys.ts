import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import { invalidRequest } from '../gateway/errors.js'

/**
 * The longest `sessionKey` `chat.send` accepts (its schema's `maxLength`); the canonical key may be longer.
 *
 * @example
 * if (gatewayKey.length > MAX_SESSION_KEY_LENGTH) throw new Error('key too long for the gateway')
 */
export const MAX_SESSION_KEY_LENGTH = 512

/**
 * The canonical key of the main session (`main` → `agent:main:main`).
 *
 * @example
 * expect(chatEvent.payload.sessionKey).toBe(MAIN_SESSION_KEY)
 */
export const MAIN_SESSION_KEY = `agent:${MAIN_AGENT_ID}:main`

/** The result of {@link canonicalSessionKey}. */
export type CanonicalKeyResult = { ok: true; key: string; agentId: string } | { ok: false; agentId: string }

/**
 * Canonicalises a session key like the real gateway (SESSIONS-AND-BROADCAST Q1): lower-cased
 * (spaces and unicode kept), `main` → `agent:main:main`, keys without an `agent:` prefix get
 * `agent:main:`. A key naming another agent (`agent:zed:…`) is not resolvable: `ok:false`.
 * Not recorded, so a guess: a bare `agent:<id>` is read as `agent:<id>:main`.
 *
 * @example
 * canonicalSessionKey('main')                  // { ok: true, key: 'agent:main:main', agentId: 'main' }
 * canonicalSessionKey('ClawChat:Alice:Main')   // { ok: true, key: 'agent:main:clawchat:alice:main', … }
 * canonicalSessionKey('agent:zed:x')           // { ok: false, agentId: 'zed' }
 */
export function canonicalSessionKey(raw: string): CanonicalKeyResult {
  const lower = raw.toLowerCase()
  if (lower === 'main') return { ok: true, key: MAIN_SESSION_KEY, agentId: MAIN_AGENT_ID }
  if (!lower.startsWith('agent:')) return { ok: true, key: `agent:${MAIN_AGENT_ID}:${lower}`, agentId: MAIN_AGENT_ID }
  const rest = lower.slice('agent:'.length)
  const colon = rest.indexOf(':')
  const agentId = colon === -1 ? rest : rest.slice(0, colon)
  const tail = colon === -1 ? '' : rest.slice(colon + 1)
  if (agentId !== MAIN_AGENT_ID) return { ok: false, agentId }
  return { ok: true, key: `agent:${agentId}:${tail === '' ? 'main' : tail}`, agentId }
}

/**
 * {@link canonicalSessionKey}, throwing the real gateway's error for an unknown agent:
 * `INVALID_REQUEST` "Agent \"zed\" no longer exists in configuration".
 */
export function requireCanonicalSessionKey(raw: string): string {
  const result = canonicalSessionKey(raw)
  if (!result.ok) throw invalidRequest(`Agent "${result.agentId}" no longer exists in configuration`)
  return result.key
}

/**
 * The key used for a lookup that must not fail (`chat.history`, `chat.abort`): keys of unknown
 * agents are kept as lower-cased text, which matches no session, so the caller sees an empty one.
 */
export function lookupSessionKey(raw: string): string {
  const result = canonicalSessionKey(raw)
  return result.ok ? result.key : raw.toLowerCase()
}
