/**
 * Session labels (a chat's name in the list), kept apart per user — pure. The gateway's labels
 * are unique gateway-wide (`label already in use: <label>`), so a label goes upstream behind the
 * user's own prefix, the same `<namespace>:<base32(userId)>:` that starts the user's gateway
 * session keys: Bob's "Trip" and Alice's "Trip" are two labels upstream, and neither can fail
 * because of, or reveal, the other. On every way back (a `sessions.list` row, a `sessions.changed`
 * session, a `sessions.patch` answer, an error) the prefix is taken off; a label without this
 * user's prefix (set by someone else than the proxy) is left out.
 */
import { gatewaySessionKey } from './session-keys.js'
import type { ViewContext } from './sanitize.js'

/** Most characters (code points) of a label, after trimming. */
export const LABEL_MAX_CHARS = 100
/** Longest label the gateway takes (its schema and `parseSessionLabel`), prefix included. */
export const GATEWAY_LABEL_MAX = 512

/** Control characters, line and paragraph separators, and lone surrogates: not in a chat's name. */
const FORBIDDEN_IN_LABEL = /[\p{Cc}\u2028\u2029]|\p{Cs}/u

/** A browser's label checked: the trimmed label, `null` (clear it), or what is wrong with it. */
export type LabelCheck = { ok: true; label: string | null } | { ok: false; problem: string }

/**
 * The prefix of every upstream label of `userId` (the user's segment of their gateway keys).
 *
 * @example
 * labelPrefix('clawchat', 'alice') // 'clawchat:mfwgsy3f:'
 */
export function labelPrefix(namespace: string, userId: string): string {
  return gatewaySessionKey(namespace, userId, '')
}

/**
 * Checks a browser's `label` for `sessions.patch`: a string of 1 to {@link LABEL_MAX_CHARS}
 * characters after trimming, without control characters, or `null`; one that would not fit the
 * gateway's 512 characters behind the user's prefix (a very long user id) is refused too.
 *
 * @example
 * checkLabel('  Trip to Lisbon ', 'clawchat', 'alice') // { ok: true, label: 'Trip to Lisbon' }
 * checkLabel('', 'clawchat', 'alice')                  // { ok: false, problem: 'label must …' }
 */
export function checkLabel(value: unknown, namespace: string, userId: string): LabelCheck {
  if (value === null) return { ok: true, label: null }
  const rule = `label must be 1 to ${LABEL_MAX_CHARS} characters after trimming, without control characters, or null`
  if (typeof value !== 'string') return { ok: false, problem: `${rule}; got ${typeof value}` }
  const label = value.trim()
  if (label.length === 0) return { ok: false, problem: `${rule}; got an empty label` }
  const chars = [...label].length
  if (chars > LABEL_MAX_CHARS) return { ok: false, problem: `${rule}; got ${chars} characters` }
  const bad = FORBIDDEN_IN_LABEL.exec(label)
  if (bad) {
    const code = bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')
    return { ok: false, problem: `${rule}; got U+${code} at index ${bad.index}` }
  }
  const room = GATEWAY_LABEL_MAX - labelPrefix(namespace, userId).length
  if (label.length > room) return { ok: false, problem: `label must be at most ${room} characters for your account` }
  return { ok: true, label }
}

/**
 * The label as it goes upstream: behind the user's prefix.
 *
 * @example
 * upstreamLabel('clawchat', 'alice', 'Trip') // 'clawchat:mfwgsy3f:Trip'
 */
export function upstreamLabel(namespace: string, userId: string, label: string): string {
  return `${labelPrefix(namespace, userId)}${label}`
}

/** Each namespace and user's label prefix, made once (a list maps many rows). */
const PREFIXES = new Map<string, string>()

function prefixOf(ctx: ViewContext): string {
  const memo = `${ctx.namespace}\0${ctx.userId}`
  let prefix = PREFIXES.get(memo)
  if (prefix === undefined) {
    if (PREFIXES.size >= 4096) PREFIXES.clear()
    prefix = labelPrefix(ctx.namespace, ctx.userId)
    PREFIXES.set(memo, prefix)
  }
  return prefix
}

/**
 * The label as its owner sees it: without the prefix; `undefined` when it is not a label of this
 * user's (set by another client of the gateway, or not a string).
 *
 * @example
 * browserLabel({ namespace: 'clawchat', userId: 'alice' }, 'clawchat:mfwgsy3f:Trip') // 'Trip'
 * browserLabel({ namespace: 'clawchat', userId: 'bob' }, 'clawchat:mfwgsy3f:Trip')   // undefined
 */
export function browserLabel(ctx: ViewContext, upstream: unknown): string | undefined {
  if (typeof upstream !== 'string') return undefined
  const prefix = prefixOf(ctx)
  if (!upstream.startsWith(prefix) || upstream.length === prefix.length) return undefined
  return upstream.slice(prefix.length)
}
