/**
 * The runs of a `chat.history` page, in the browser's run ids — pure: which run each row belongs
 * to, the gateway's *recovery* runs attributed to the run they finish, and the session's run in
 * progress (`hasActiveRun`, `activeRunIds`, `inFlightRun`).
 *
 * Crash recovery, exact: after a gateway crash mid-run the gateway starts a run of its own on the
 * session (a run id the proxy never made). The page then reads: the interrupted user row (the
 * user's own run K), a user row `[System] Your previous turn was interrupted by a gateway restart…`
 * (its own idempotency key, not the proxy's), then the recovery run's reply. On a user's own
 * session a run the proxy did not make is such a run: its assistant rows (and an `inFlightRun` of
 * it) are attributed to the latest own run before it that has no reply of its own, so they carry
 * K's `runId` and a client waiting for K's reply finds it by run id alone; the `[System]` row keeps
 * no `runId`.
 */
import { isRecord, type Json } from '../common/records.js'
import { TRUNCATION_MARKER } from './message-text.js'
import { ownRunOf, type ViewContext } from './sanitize.js'
import { ownActiveRunIds } from './sanitize-session.js'
import { parseUpstreamRunId } from './session-keys.js'

/**
 * The upstream run id a history row names: a user row's `idempotencyKey` (minus `:user`), an
 * assistant row's `__openclaw.runId`.
 *
 * @example
 * upstreamRunOfRow({ role: 'user', idempotencyKey: 'clawchat:mfwgsy3f:main:k1:user' }) // 'clawchat:mfwgsy3f:main:k1'
 */
export function upstreamRunOfRow(row: unknown): string | undefined {
  if (!isRecord(row)) return undefined
  const meta = isRecord(row.__openclaw) ? row.__openclaw : {}
  const raw = row.role === 'user' ? (row.idempotencyKey ?? meta.idempotencyKey) : meta.runId
  if (typeof raw !== 'string' || raw.length === 0) return undefined
  return row.role === 'user' ? raw.replace(/:user$/, '') : raw
}

/** An assistant row that answers its turn (not a tool call the turn goes on after). */
function isReply(row: Json): boolean {
  return row.stopReason !== 'toolUse'
}

/** Who the gateway's own runs of a page stand for. */
export interface RecoveryAttribution {
  /** Upstream id of a gateway run → the browser run id it finishes. */
  readonly runs: ReadonlyMap<string, string>
  /** The latest own run of the page with no reply yet (a recovery run still without rows finishes it). */
  readonly waiting: string | undefined
}

/**
 * Walks a page's rows (oldest first) and attributes each gateway run's rows — a run the proxy did
 * not make, on this user's own session — to the latest own run before it that has no reply of its
 * own. Another user's run id (crafted) is never attributed.
 *
 * @example
 * const { runs } = attributeRecoveryRuns(ctx, rows)
 * runs.get('f0e1d2c3-recovery') // 'browser-key-1'
 */
export function attributeRecoveryRuns(ctx: ViewContext, rows: readonly unknown[]): RecoveryAttribution {
  const runs = new Map<string, string>()
  const replied = new Set<string>()
  let waiting: string | undefined
  for (const row of rows) {
    const upstream = upstreamRunOfRow(row)
    if (upstream === undefined || !isRecord(row)) continue
    const own = ownRunOf(ctx, upstream)
    if (row.role === 'user') {
      // A user row the proxy did not send (the gateway's "[System] … interrupted" row) changes nothing.
      if (own) waiting = replied.has(own.runId) ? undefined : own.runId
      continue
    }
    if (row.role !== 'assistant') continue
    const reply = isReply(row)
    if (own) {
      if (reply) replied.add(own.runId)
      if (reply && waiting === own.runId) waiting = undefined
      continue
    }
    if (parseUpstreamRunId(ctx.namespace, upstream) !== null) continue
    const finishes = runs.get(upstream) ?? waiting
    if (finishes === undefined) continue
    runs.set(upstream, finishes)
    if (reply && waiting === finishes) waiting = undefined
  }
  return { runs, waiting }
}

/**
 * The browser run id of the session's run in progress: the user's own, or the run a gateway
 * recovery run finishes (one with rows on the page, or, still without rows, the latest own run
 * waiting for its reply); `undefined` otherwise.
 */
function inFlightRunId(ctx: ViewContext, attribution: RecoveryAttribution, upstream: unknown): string | undefined {
  if (typeof upstream !== 'string' || upstream.length === 0) return undefined
  const own = ownRunOf(ctx, upstream)
  if (own) return own.runId
  if (parseUpstreamRunId(ctx.namespace, upstream) !== null) return undefined
  return attribution.runs.get(upstream) ?? attribution.waiting
}

/** A text cut to `maxChars`, marked the way the gateway marks the history texts it cuts. */
function cutText(text: string, maxChars: number): string {
  return text.length > maxChars ? text.slice(0, maxChars) + TRUNCATION_MARKER : text
}

/**
 * The fields of a `chat.history` answer about the session's run in progress, as its owner sees
 * them: `hasActiveRun` (the gateway says it in `sessionInfo`), `activeRunIds` (own runs only, left
 * out when the gateway leaves it out), `inFlightRun` (`{runId?, text, startedAt?}`: its run id the
 * user's own or attributed, its text cut to `maxChars`; the gateway's `events` stay here).
 *
 * @example
 * activeRunFields(ctx, 'main', payload, attribution, 8000)
 * // { hasActiveRun: true, inFlightRun: { runId: 'k1', text: 'Hel', startedAt: 1764… } }
 */
export function activeRunFields(
  ctx: ViewContext,
  sessionKey: string,
  source: Json,
  attribution: RecoveryAttribution,
  maxChars: number,
): Json {
  const info = isRecord(source.sessionInfo) ? source.sessionInfo : {}
  const out: Json = {}
  const hasActiveRun = typeof info.hasActiveRun === 'boolean' ? info.hasActiveRun : source.hasActiveRun
  if (typeof hasActiveRun === 'boolean') out.hasActiveRun = hasActiveRun
  const active = ownActiveRunIds(ctx, sessionKey, info.activeRunIds ?? source.activeRunIds)
  if (active !== undefined) out.activeRunIds = active
  const run = source.inFlightRun
  if (isRecord(run)) {
    const inFlight: Json = { text: typeof run.text === 'string' ? cutText(run.text, maxChars) : '' }
    const runId = inFlightRunId(ctx, attribution, run.runId)
    if (runId !== undefined) inFlight.runId = runId
    if (typeof run.startedAt === 'number' && Number.isFinite(run.startedAt)) inFlight.startedAt = run.startedAt
    out.inFlightRun = inFlight
  }
  return out
}
