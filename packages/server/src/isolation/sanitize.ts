/**
 * What of the gateway's answers and events a browser may see — pure functions over the field
 * whitelists of `@clawchat/protocol`. Identifiers are rewritten to the user's own names
 * (gateway session key → browser key, upstream run id → the browser's idempotencyKey) or dropped;
 * anything not whitelisted never leaves the proxy.
 */
import {
  AGENT_DATA_FIELDS,
  AGENT_EVENT_FIELDS,
  CHAT_EVENT_FIELDS,
  HISTORY_MESSAGE_FIELDS,
  type ErrorShape,
} from '@clawchat/protocol'
import type { KeyParser } from './key-cache.js'
import {
  opaqueRunId,
  parseGatewaySessionKey,
  parseUpstreamRunId,
  type ParsedRunId,
  type ParsedSessionKey,
} from './session-keys.js'
import { isRecord, pick, type Json } from '../common/records.js'
import { historyToolParts, primitiveData, toolData } from './sanitize-tool.js'

/** Who is looking: the namespace of the proxy and the user whose view is being built. */
export interface ViewContext {
  namespace: string
  userId: string
  /** Takes keys and run ids apart (the router's memo); without it, the pure parsers are used. */
  keys?: KeyParser | undefined
}

/** `key` taken apart, through `keys` when given (it must be for `namespace`). */
function ownerOfKey(namespace: string, key: unknown, keys: KeyParser | undefined): ParsedSessionKey | null {
  return keys && keys.namespace === namespace ? keys.sessionKey(key) : parseGatewaySessionKey(namespace, key)
}

/** `runId` taken apart, through `keys` when given (it must be for `namespace`). */
function ownerOfRun(namespace: string, runId: unknown, keys: KeyParser | undefined): ParsedRunId | null {
  return keys && keys.namespace === namespace ? keys.runId(runId) : parseUpstreamRunId(namespace, runId)
}

/**
 * `key` taken apart when it is one of this user's gateway session keys, else `null`.
 *
 * @example
 * ownSessionOf({ namespace: 'clawchat', userId: 'alice' }, 'agent:main:clawchat:mfwgsy3f:work')
 * // { userId: 'alice', sessionKey: 'work' }
 */
export function ownSessionOf(ctx: ViewContext, key: unknown): ParsedSessionKey | null {
  const owner = ownerOfKey(ctx.namespace, key, ctx.keys)
  return owner && owner.userId === ctx.userId ? owner : null
}

/**
 * `runId` taken apart when the proxy made it for this user, else `null` (a gateway run, another user's).
 *
 * @example
 * ownRunOf({ namespace: 'clawchat', userId: 'alice' }, 'clawchat:mfwgsy3f:main:k1')
 * // { userId: 'alice', sessionKey: 'main', runId: 'k1' }
 */
export function ownRunOf(ctx: ViewContext, runId: unknown): ParsedRunId | null {
  const run = ownerOfRun(ctx.namespace, runId, ctx.keys)
  return run && run.userId === ctx.userId ? run : null
}

/**
 * The browser's name for an upstream run id seen on one of this user's sessions: the browser's
 * own idempotencyKey when the proxy made the id for this user, an opaque stand-in otherwise.
 */
export function browserRunId(ctx: ViewContext, upstream: unknown): string | undefined {
  if (typeof upstream !== 'string' || upstream.length === 0) return undefined
  const parsed = ownerOfRun(ctx.namespace, upstream, ctx.keys)
  if (parsed && parsed.userId === ctx.userId) return parsed.runId
  return opaqueRunId(ctx.namespace, upstream)
}

/**
 * One history message (or a `chat` event's `message`) with only its whitelisted fields; a
 * `toolResult` row with only its text parts, a `toolCall` part with only its id, name and arguments.
 */
export function sanitizeMessage(message: unknown): Json | undefined {
  if (!isRecord(message)) return undefined
  return historyToolParts(pick(message, HISTORY_MESSAGE_FIELDS))
}

/**
 * The browser's `runId` of a history row, when the row belongs to one of this user's own runs: the
 * gateway marks a user row with `idempotencyKey: "<upstream run id>:user"` and an assistant row with
 * `__openclaw.runId`. Lets the SDK tell whether a message it sent is stored before sending it again
 * after a gateway restart (the gateway's dedupe cache does not survive one). Other runs' ids (a
 * recovery run the gateway started itself) are left out.
 */
function ownRunIdOf(ctx: ViewContext, message: Json): string | undefined {
  const meta = isRecord(message.__openclaw) ? message.__openclaw : {}
  const raw = message.role === 'user' ? (message.idempotencyKey ?? meta.idempotencyKey) : meta.runId
  if (typeof raw !== 'string') return undefined
  const run = ownerOfRun(ctx.namespace, raw.replace(/:user$/, ''), ctx.keys)
  return run && run.userId === ctx.userId ? run.runId : undefined
}

/** Longest transcript entry id a browser is given (what `sessions.rewind` takes back as `entryId`). */
export const ENTRY_ID_MAX = 128

/** The gateway's transcript entry id of a history row (`__openclaw.id`), when it is a short clean string. */
function entryIdOf(message: Json): string | undefined {
  const id = isRecord(message.__openclaw) ? message.__openclaw.id : undefined
  if (typeof id !== 'string' || id.length === 0 || id.length > ENTRY_ID_MAX || /\p{Cc}/u.test(id)) return undefined
  return id
}

/**
 * A `chat.history` message as its owner sees it: the whitelisted fields, plus `runId` for the
 * user's own runs and `id` (the transcript entry id, for `sessions.rewind`).
 */
export function sanitizeHistoryMessage(ctx: ViewContext, message: unknown): Json | undefined {
  const out = sanitizeMessage(message)
  if (!out) return undefined
  const runId = ownRunIdOf(ctx, message as Json)
  if (runId !== undefined) out.runId = runId
  const id = entryIdOf(message as Json)
  if (id !== undefined) out.id = id
  return out
}

/**
 * Whose session an event is about: from its session key, else from its run id. With `keys` (the
 * router's memo, for the same namespace) each string is taken apart once, not once per event.
 */
export function eventOwner(
  namespace: string,
  payload: unknown,
  keys?: KeyParser,
): { userId: string; sessionKey: string } | null {
  if (!isRecord(payload)) return null
  if (payload.sessionKey !== undefined) {
    const owner = ownerOfKey(namespace, payload.sessionKey, keys)
    if (!owner) return null
    // A run id that the proxy made must agree with the session it claims to be on.
    const run = ownerOfRun(namespace, payload.runId, keys)
    if (run && (run.userId !== owner.userId || run.sessionKey !== owner.sessionKey)) return null
    return owner
  }
  const run = ownerOfRun(namespace, payload.runId, keys)
  return run ? { userId: run.userId, sessionKey: run.sessionKey } : null
}

/** A `chat` event payload as its owner sees it. */
export function sanitizeChatEvent(ctx: ViewContext, sessionKey: string, payload: Json): Json {
  const out = pick(payload, CHAT_EVENT_FIELDS)
  out.sessionKey = sessionKey
  const runId = browserRunId(ctx, payload.runId)
  if (runId === undefined) delete out.runId
  else out.runId = runId
  if (out.message !== undefined) {
    const message = sanitizeMessage(out.message)
    if (message === undefined) delete out.message
    else out.message = message
  }
  if (typeof out.errorMessage === 'string') out.errorMessage = rewriteIdentifiers(ctx, out.errorMessage)
  return out
}

/**
 * An agent event's `data`, per stream: only the whitelisted fields with primitive values (the
 * gateway's lifecycle `end` carries a `terminalReceipt` with upstream ids); texts other than the
 * agent's own (the assistant's text, a command's output) have gateway identifiers rewritten. A
 * `tool` event also keeps its call's `args` and its reduced `result` / `partialResult`
 * (`sanitize-tool.ts`).
 */
export function sanitizeAgentData(ctx: ViewContext, stream: unknown, data: unknown): Json {
  if (typeof stream !== 'string' || !Object.hasOwn(AGENT_DATA_FIELDS, stream) || !isRecord(data)) return {}
  const rewrite = (text: string) => rewriteIdentifiers(ctx, text)
  return stream === 'tool' ? toolData(data, rewrite) : primitiveData(stream, data, rewrite)
}

/** An `agent` event payload as its owner sees it. */
export function sanitizeAgentEvent(ctx: ViewContext, sessionKey: string, payload: Json): Json {
  const out = pick(payload, AGENT_EVENT_FIELDS)
  out.sessionKey = sessionKey
  const runId = browserRunId(ctx, payload.runId)
  if (runId === undefined) delete out.runId
  else out.runId = runId
  out.data = sanitizeAgentData(ctx, payload.stream, payload.data)
  return out
}

/** Each namespace's pattern of gateway keys and run ids in text (made once: `replace` resets its `lastIndex`). */
const IDENTIFIER_PATTERNS = new Map<string, RegExp>()

function identifierPattern(namespace: string): RegExp {
  let pattern = IDENTIFIER_PATTERNS.get(namespace)
  if (!pattern) {
    const ns = namespace.replace(/[-]/g, '\\-')
    pattern = new RegExp(`(?:agent:[^:\\s"']+:)?${ns}:([a-z2-7]+):([a-z0-9._-]+)(?::([\\x21-\\x7e]+))?`, 'gi')
    IDENTIFIER_PATTERNS.set(namespace, pattern)
  }
  return pattern
}

/**
 * Names of gateway keys and run ids inside free text (error messages): this user's become the
 * browser's names, anyone else's become `[session]`.
 */
export function rewriteIdentifiers(ctx: ViewContext, text: string): string {
  // Nothing to find in a text shorter than the namespace and its colon (most event fields).
  if (text.length <= ctx.namespace.length) return text
  return text.replace(identifierPattern(ctx.namespace), (match) => {
    const asRun = parseUpstreamRunId(ctx.namespace, match.replace(/^agent:[^:]+:/i, ''))
    if (asRun && asRun.userId === ctx.userId) return asRun.runId
    const asKey = parseGatewaySessionKey(ctx.namespace, match)
    if (asKey && asKey.userId === ctx.userId) return asKey.sessionKey
    return '[session]'
  })
}

/**
 * A gateway error as the browser may see it: code, message (identifiers rewritten), retry hints
 * and, of `details`, only a string `code`/`reason`.
 */
export function sanitizeGatewayError(ctx: ViewContext, error: unknown): ErrorShape {
  if (!isRecord(error))
    return { code: 'UNAVAILABLE', message: 'The gateway failed to answer; try again.', retryable: true }
  const code = typeof error.code === 'string' && error.code.length > 0 ? error.code : 'UNAVAILABLE'
  const rawMessage =
    typeof error.message === 'string' && error.message.length > 0 ? error.message : `The gateway answered ${code}.`
  const out: ErrorShape = { code, message: rewriteIdentifiers(ctx, rawMessage) }
  if (isRecord(error.details)) {
    const details: Json = {}
    for (const key of ['code', 'reason'] as const) {
      const value = error.details[key]
      if (typeof value === 'string') details[key] = rewriteIdentifiers(ctx, value)
    }
    if (Object.keys(details).length > 0) out.details = details
  }
  if (typeof error.retryable === 'boolean') out.retryable = error.retryable
  if (typeof error.retryAfterMs === 'number' && Number.isInteger(error.retryAfterMs) && error.retryAfterMs >= 0) {
    out.retryAfterMs = error.retryAfterMs
  }
  return out
}
