/**
 * What of a session row a browser may see — pure: a `sessions.list` row, the `session` of a
 * `sessions.changed`, the answer to a `sessions.patch`. Only the whitelisted fields, the key as the
 * browser names it, the label without the user's prefix (`session-labels.ts`), `pinned` and
 * `archived` as booleans (the gateway may say them as `pinnedAt` / `archivedAt` timestamps), and the
 * session's runs in progress in the browser's run ids (runs the proxy did not make are left out).
 */
import { SESSION_ROW_FIELDS, SESSIONS_CHANGED_FIELDS } from '@clawchat/protocol'
import { isRecord, pick, type Json } from '../common/records.js'
import { browserRunId, ownRunOf, ownSessionOf, type ViewContext } from './sanitize.js'
import { browserLabel } from './session-labels.js'

/**
 * The browser run ids of the user's own runs among `runIds` (on the browser session `sessionKey`),
 * in order; `undefined` when `runIds` is not a list (the gateway left it out: keep it out).
 *
 * @example
 * ownActiveRunIds(ctx, 'main', ['clawchat:mfwgsy3f:main:k1', 'f0e1-recovery']) // ['k1']
 */
export function ownActiveRunIds(ctx: ViewContext, sessionKey: string, runIds: unknown): string[] | undefined {
  if (!Array.isArray(runIds)) return undefined
  const out: string[] = []
  for (const id of runIds) {
    const run = ownRunOf(ctx, id)
    if (run && run.sessionKey === sessionKey && !out.includes(run.runId)) out.push(run.runId)
  }
  return out
}

/** Does a title start like an upstream label (`<namespace>:<base32>:`), this user's or another's? */
function looksLabelled(ctx: ViewContext, title: string): boolean {
  if (!title.startsWith(`${ctx.namespace}:`)) return false
  return /^[a-z2-7]+:/.test(title.slice(ctx.namespace.length + 1))
}

/** A flag said as a boolean, or as the timestamp of when it was set (`pinnedAt`, `archivedAt`). */
function flagOf(row: Json, flag: 'pinned' | 'archived'): boolean | undefined {
  const value = row[flag]
  if (typeof value === 'boolean') return value
  const at = row[`${flag}At`]
  if (typeof at === 'number' || (typeof at === 'string' && at.length > 0)) return true
  return Object.hasOwn(row, `${flag}At`) && at === null ? false : undefined
}

/**
 * The fields every view of a session shares: label without the prefix (left out when not the
 * user's), the titles the gateway makes of it (`displayName`, `derivedTitle` = the label, measured)
 * without it, `pinned`, `archived`.
 */
function ownedFields(ctx: ViewContext, row: Json, out: Json): Json {
  const label = browserLabel(ctx, row.label)
  if (label === undefined) delete out.label
  else out.label = label
  for (const title of ['displayName', 'derivedTitle'] as const) {
    const value = out[title]
    if (typeof value !== 'string' || !looksLabelled(ctx, value)) continue
    const own = browserLabel(ctx, value)
    if (own === undefined) delete out[title]
    else out[title] = own
  }
  for (const flag of ['pinned', 'archived'] as const) {
    const value = flagOf(row, flag)
    if (value === undefined) delete out[flag]
    else out[flag] = value
  }
  return out
}

/**
 * A `sessions.list` row (or the `session` of a `sessions.changed`) as the owner sees it, or
 * `undefined` when the row is not this user's.
 *
 * @example
 * sanitizeSessionRow(ctx, { key: 'agent:main:clawchat:mfwgsy3f:work', label: 'clawchat:mfwgsy3f:Trip', pinnedAt: 1 })
 * // { key: 'work', label: 'Trip', pinned: true }
 */
export function sanitizeSessionRow(ctx: ViewContext, row: unknown): Json | undefined {
  if (!isRecord(row)) return undefined
  const owner = ownSessionOf(ctx, row.key)
  if (!owner) return undefined
  const out = ownedFields(ctx, row, { ...pick(row, SESSION_ROW_FIELDS), key: owner.sessionKey })
  const active = ownActiveRunIds(ctx, owner.sessionKey, row.activeRunIds)
  if (active !== undefined) out.activeRunIds = active
  return out
}

/**
 * The answer to a `sessions.patch` as the owner sees it: `{ok, key, label?, pinned?, archived?}`
 * from the gateway's `{ok, key, entry: {label?, pinnedAt?, archivedAt?, …}, path, …}` (its server
 * path and session ids stay here).
 *
 * @example
 * patchAnswer(ctx, 'work', { ok: true, entry: { label: 'clawchat:mfwgsy3f:Trip', pinnedAt: 1 } })
 * // { ok: true, key: 'work', label: 'Trip', pinned: true, archived: false }
 */
export function patchAnswer(ctx: ViewContext, key: string, payload: unknown): Json {
  const source = isRecord(payload) ? payload : {}
  const entry = isRecord(source.entry) ? source.entry : source
  const out: Json = { ok: source.ok !== false, key }
  ownedFields(ctx, entry, out)
  // The entry is the whole session: a flag it does not mention is not set.
  if (isRecord(source.entry)) {
    out.pinned ??= false
    out.archived ??= false
  }
  return out
}

/**
 * A `sessions.changed` payload as its owner sees it (the flattened row fields are dropped).
 *
 * @example
 * sanitizeSessionsChanged(ctx, 'work', { sessionKey: 'agent:main:clawchat:mfwgsy3f:work', reason: 'patch', ts: 1 })
 * // { sessionKey: 'work', reason: 'patch', ts: 1 }
 */
export function sanitizeSessionsChanged(ctx: ViewContext, sessionKey: string, payload: Json): Json {
  const out = pick(payload, SESSIONS_CHANGED_FIELDS)
  out.sessionKey = sessionKey
  if (out.runId !== undefined) {
    const runId = browserRunId(ctx, out.runId)
    if (runId === undefined) delete out.runId
    else out.runId = runId
  }
  if (out.session !== undefined) {
    const row = sanitizeSessionRow(ctx, out.session)
    if (row === undefined) delete out.session
    else out.session = row
  }
  return out
}
