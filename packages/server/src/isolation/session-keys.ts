/**
 * Gateway session keys and upstream idempotency keys, derived from (user, browser key) — pure.
 *
 * The gateway lower-cases session keys, prefixes them with `agent:<id>:` and treats aliases as one
 * session; its idempotency cache is global and ignores the session. So every key the proxy sends
 * upstream is built from the user's id ENCODED (never pasted), in an alphabet that lower-casing
 * cannot change, and every key is reversible: an event's `sessionKey` or `runId` alone says which
 * user and which browser session it belongs to — the same after a restart and on any instance.
 *
 *   gateway session key   <ns>:<b32(userId)>:<browserSessionKey>
 *   upstream run id       <ns>:<b32(userId)>:<browserSessionKey>:<browserIdempotencyKey>
 *
 * `b32` is RFC 4648 base32 of the UTF-8 bytes, lower-case, no padding (`a-z2-7`): injective on
 * well-formed strings (ids with a lone surrogate are refused: UTF-8 would turn it into U+FFFD),
 * case-proof, and free of `:`, so the parts split unambiguously.
 */
import { createHash } from 'node:crypto'
import { SESSION_KEY_PATTERN } from '@clawchat/protocol'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]))

/** Longest session key the gateway accepts (it counts the key as sent). */
export const GATEWAY_SESSION_KEY_MAX = 512
/** Budget kept for the `agent:<id>:` prefix the gateway adds, so even the canonical key fits. */
const AGENT_PREFIX_BUDGET = 'agent:main:'.length
/** Longest browser session key (`@clawchat/protocol` grammar). */
const BROWSER_KEY_MAX = 64
/** Longest namespace. */
export const NAMESPACE_MAX = 32
/** Grammar of a namespace: the first segment of every gateway key the proxy makes. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

/** Grammar of a browser `idempotencyKey` (= its `runId`): 1–128 printable ASCII, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/

/** Base32 (RFC 4648, lower-case, unpadded) of a string's UTF-8 bytes. */
export function base32Encode(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

/** Inverse of {@link base32Encode}; `null` for anything it could not have produced. */
export function base32Decode(encoded: string): string | null {
  if (encoded.length === 0) return null
  const bytes: number[] = []
  let buffer = 0
  let bits = 0
  for (const char of encoded) {
    const value = DECODE.get(char)
    if (value === undefined) return null
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 255)
      bits -= 8
    }
    buffer &= (1 << bits) - 1
  }
  // Canonical form only: leftover bits must be zero padding, fewer than 5 of them.
  if (bits >= 5 || buffer !== 0) return null
  const text = Buffer.from(bytes).toString('utf8')
  return base32Encode(text) === encoded ? text : null
}

/** How many characters of encoded user id fit, given the namespace. */
function encodedUserBudget(namespace: string): number {
  return GATEWAY_SESSION_KEY_MAX - AGENT_PREFIX_BUDGET - namespace.length - 2 - BROWSER_KEY_MAX
}

/** The most UTF-8 bytes a user id may have with this namespace (266 with the default). */
export function maxUserIdBytes(namespace: string): number {
  return Math.floor((encodedUserBudget(namespace) * 5) / 8)
}

/** A surrogate code unit that is not half of a pair (with the `u` flag, pairs are matched whole). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * Why a user id cannot be used, or `null` when it can: not a non-empty string, not well-formed
 * UTF-16 (a lone surrogate), or too long for a gateway session key. The answer never contains the id.
 *
 * @example
 * userIdProblem('u_42', 'clawchat')       // null
 * userIdProblem('eve\uD800', 'clawchat')  // "the user's id is not well-formed UTF-16: …"
 */
export function userIdProblem(userId: unknown, namespace: string): string | null {
  if (typeof userId !== 'string' || userId.length === 0) {
    return `the user's "id" must be a non-empty string, got ${userId === '' ? 'an empty string' : typeof userId}`
  }
  // UTF-8 cannot carry a lone surrogate: it would be encoded as U+FFFD, and `eve\uD800` would get the
  // keys of `eve\uFFFD`. Only the position is named: ids stay out of logs.
  const lone = LONE_SURROGATE.exec(userId)
  if (lone) {
    return (
      `the user's id is not well-formed UTF-16: it holds a lone surrogate at index ${lone.index} ` +
      `(of ${userId.length}), which UTF-8 cannot carry — two such ids could share gateway sessions. ` +
      'Make ids well-formed (String.prototype.toWellFormed()) or use a database id or UUID.'
    )
  }
  const bytes = Buffer.byteLength(userId, 'utf8')
  const max = maxUserIdBytes(namespace)
  if (bytes > max) {
    return (
      `the user's id is ${bytes} UTF-8 bytes; at most ${max} fit in a gateway session key (512 characters). ` +
      'Use a shorter stable id (a database id or UUID).'
    )
  }
  return null
}

/**
 * The gateway session key owned by `userId` for the browser's `browserKey` (already parsed with
 * `parseSessionKey`).
 *
 * @example
 * gatewaySessionKey('clawchat', 'alice', 'main') // 'clawchat:mfwgsy3f:main'
 */
export function gatewaySessionKey(namespace: string, userId: string, browserKey: string): string {
  return `${namespace}:${base32Encode(userId)}:${browserKey}`
}

/** A gateway key or run id taken apart. */
export interface ParsedSessionKey {
  userId: string
  sessionKey: string
}

/** Strips the `agent:<id>:` prefix the gateway adds when canonicalising. */
function stripAgentPrefix(key: string): string {
  if (!key.startsWith('agent:')) return key
  const end = key.indexOf(':', 'agent:'.length)
  return end === -1 ? key : key.slice(end + 1)
}

/**
 * Who owns a gateway session key (as sent or as canonicalised by the gateway), or `null` when it
 * is not one of this namespace's keys (another app's, the gateway's own `main`, a crafted key).
 *
 * @example
 * parseGatewaySessionKey('clawchat', 'agent:main:clawchat:mfwgsy3f:main') // { userId: 'alice', sessionKey: 'main' }
 */
export function parseGatewaySessionKey(namespace: string, key: unknown): ParsedSessionKey | null {
  if (typeof key !== 'string') return null
  const parts = stripAgentPrefix(key.toLowerCase()).split(':')
  if (parts.length !== 3 || parts[0] !== namespace) return null
  const userId = base32Decode(parts[1] ?? '')
  const sessionKey = parts[2] ?? ''
  if (userId === null || !SESSION_KEY_PATTERN.test(sessionKey)) return null
  return { userId, sessionKey }
}

/**
 * The upstream `idempotencyKey` (which the gateway also uses as the run id) for a browser's key on
 * one of its sessions: deterministic, reversible, unique across users and sessions.
 *
 * @example
 * upstreamRunId('clawchat', 'alice', 'main', 'k1') // 'clawchat:mfwgsy3f:main:k1'
 */
export function upstreamRunId(namespace: string, userId: string, sessionKey: string, browserKey: string): string {
  return `${gatewaySessionKey(namespace, userId, sessionKey)}:${browserKey}`
}

/** A run id taken apart. */
export interface ParsedRunId extends ParsedSessionKey {
  /** The `idempotencyKey` the browser sent (or was given): its `runId`. */
  runId: string
}

/**
 * Who owns an upstream run id, or `null` when the proxy did not make it (a run the gateway started
 * by itself, another app's run).
 */
export function parseUpstreamRunId(namespace: string, runId: unknown): ParsedRunId | null {
  if (typeof runId !== 'string') return null
  const first = runId.indexOf(':')
  const second = runId.indexOf(':', first + 1)
  const third = runId.indexOf(':', second + 1)
  if (first === -1 || second === -1 || third === -1) return null
  if (runId.slice(0, first) !== namespace) return null
  const userId = base32Decode(runId.slice(first + 1, second))
  const sessionKey = runId.slice(second + 1, third)
  const browserKey = runId.slice(third + 1)
  if (userId === null || !SESSION_KEY_PATTERN.test(sessionKey) || !IDEMPOTENCY_KEY_PATTERN.test(browserKey)) return null
  return { userId, sessionKey, runId: browserKey }
}

/**
 * A stable stand-in for a run id the proxy did not make (say a recovery run the gateway started
 * after a restart, on the user's own session): the browser may see that a run exists, never its
 * upstream id. Such runs are aborted by session key.
 */
export function opaqueRunId(namespace: string, upstream: string): string {
  return `run-${createHash('sha256').update(`${namespace}\0${upstream}`).digest('base64url').slice(0, 22)}`
}
