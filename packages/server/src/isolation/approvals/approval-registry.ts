/**
 * The approvals the proxy knows of: id → kind, owner (a ClawChat user's run, or `null` for a run
 * started elsewhere), the gateway's request, its times, and who resolved it through the proxy.
 * Filled from `*.approval.requested` events and from upstream `exec.approval.list` (after the link
 * comes up, and on every list); a resolved approval is kept a few minutes (so that its owner's
 * second answer gets the gateway's own answer), an expired one is dropped. Bounded: past `max`
 * entries the oldest go first.
 */
import type { ApprovalDecision, ApprovalKind } from '@clawchat/protocol'
import type { KeyParser } from '../key-cache.js'
import { browserRunId } from '../sanitize.js'
import type { Role } from '../method-policy.js'
import { isRecord, type Json } from '../../common/records.js'

/** How many approvals the registry keeps at most. */
export const APPROVALS_MAX = 2000
/** How long a resolved approval is remembered, ms. */
export const RESOLVED_KEEP_MS = 10 * 60_000
/** How long past its `expiresAtMs` a pending approval is kept (the gateway's clock may differ), ms. */
export const EXPIRY_GRACE_MS = 60_000

/** Whose run an approval is for. */
export interface ApprovalOwner {
  userId: string
  /** The browser's session key. */
  sessionKey: string
  /** The browser's run id, when the run is the proxy's. */
  runId?: string
}

/** Who answered an approval through the proxy (`clawchat`: the proxy's own unattended deny). */
export interface ApprovalResolverRecord {
  by: 'user' | 'clawchat'
  userId: string
  role?: Role
  decision: ApprovalDecision
  /** For `clawchat`: why, in a sentence. */
  reason?: string
}

/** One approval. */
export interface ApprovalEntry {
  id: string
  kind: ApprovalKind
  owner: ApprovalOwner | null
  /** The gateway's request, as it sent it (never sent on as it is: see `approval-view.ts`). */
  request: Json
  createdAtMs: number
  expiresAtMs: number
  /** Set once resolved: the decision and when. */
  resolved?: { decision: string; atMs: number }
  /** Who is answering or answered it through the proxy. */
  resolver?: ApprovalResolverRecord
  /** Since when nobody who may answer it has been connected (the unattended watch). */
  unattendedSince?: number
}

/** Whose run a request is for, from its session key and run id (they must agree), or `null`. */
export function approvalOwner(namespace: string, keys: KeyParser, request: Json): ApprovalOwner | null {
  const key = keys.sessionKey(request.sessionKey ?? request.turnSourceTo)
  const run = keys.runId(request.runId)
  if (key && run && (key.userId !== run.userId || key.sessionKey !== run.sessionKey)) return null
  const owner = key ?? run
  if (!owner) return null
  const out: ApprovalOwner = { userId: owner.userId, sessionKey: owner.sessionKey }
  const runId = browserRunId({ namespace, userId: owner.userId, keys }, request.runId)
  if (runId !== undefined) out.runId = runId
  return out
}

/**
 * The approvals of one proxy.
 *
 * @example
 * const approvals = new ApprovalRegistry('clawchat', new KeyCache('clawchat'))
 * approvals.requested('exec', event.payload)
 * approvals.get(id)?.owner // { userId: 'alice', sessionKey: 'main', runId: 'k1' }
 */
export class ApprovalRegistry {
  private readonly entries = new Map<string, ApprovalEntry>()

  constructor(
    private readonly namespace: string,
    private readonly keys: KeyParser,
    private readonly now: () => number = Date.now,
    private readonly max: number = APPROVALS_MAX,
  ) {}

  /**
   * Records a pending approval from a `*.approval.requested` payload or a row of
   * `exec.approval.list`; answers its entry, or `undefined` for a payload without an id or request.
   */
  requested(kind: ApprovalKind, payload: unknown): ApprovalEntry | undefined {
    if (!isRecord(payload) || typeof payload.id !== 'string' || payload.id.length === 0) return undefined
    if (!isRecord(payload.request)) return undefined
    const known = this.entries.get(payload.id)
    const nowMs = this.now()
    const entry: ApprovalEntry = {
      id: payload.id,
      kind: payload.approvalKind === 'plugin' || payload.approvalKind === 'exec' ? payload.approvalKind : kind,
      owner: approvalOwner(this.namespace, this.keys, payload.request),
      request: payload.request,
      createdAtMs: typeof payload.createdAtMs === 'number' ? payload.createdAtMs : nowMs,
      expiresAtMs: typeof payload.expiresAtMs === 'number' ? payload.expiresAtMs : nowMs + 30 * 60_000,
    }
    if (known?.resolved) return known // the resolved event came first: it stays resolved
    // Updated in place: whoever holds the entry (an answer on its way, the watch) sees the same one.
    if (known) return Object.assign(known, entry)
    this.entries.set(entry.id, entry)
    this.bound()
    return entry
  }

  /**
   * Marks an approval resolved (a `*.approval.resolved` event); answers its entry — made from the
   * event's `request` when the request was never seen — or `undefined`.
   */
  resolved(kind: ApprovalKind, payload: unknown): ApprovalEntry | undefined {
    if (!isRecord(payload) || typeof payload.id !== 'string') return undefined
    let entry = this.entries.get(payload.id)
    if (!entry && isRecord(payload.request)) {
      entry = this.requested(kind, { id: payload.id, request: payload.request })
    }
    if (!entry) return undefined
    entry.resolved = { decision: typeof payload.decision === 'string' ? payload.decision : 'deny', atMs: this.now() }
    delete entry.unattendedSince
    return entry
  }

  /** An approval known and not expired (pending or resolved a short while ago). */
  get(id: string): ApprovalEntry | undefined {
    this.prune()
    return this.entries.get(id)
  }

  /** The approvals still waiting, oldest first. */
  pending(): ApprovalEntry[] {
    this.prune()
    return [...this.entries.values()].filter((e) => !e.resolved)
  }

  /**
   * The gateway's whole pending list of one kind (`exec.approval.list`): rows become entries, and
   * pending entries of that kind missing from it are gone (resolved while the link was down).
   */
  sync(kind: ApprovalKind, rows: readonly unknown[]): ApprovalEntry[] {
    const seen = new Set<string>()
    const out: ApprovalEntry[] = []
    for (const row of rows) {
      const entry = this.requested(kind, row)
      if (!entry) continue
      seen.add(entry.id)
      if (!entry.resolved) out.push(entry)
    }
    for (const entry of this.entries.values()) {
      if (entry.kind === kind && !entry.resolved && !seen.has(entry.id)) this.entries.delete(entry.id)
    }
    return out
  }

  /** Notes who is answering `id` through the proxy (before the gateway's answer and event arrive). */
  answering(id: string, resolver: ApprovalResolverRecord): void {
    const entry = this.entries.get(id)
    if (entry && !entry.resolved) entry.resolver = resolver
  }

  /** Forgets an answer the gateway refused. */
  answerFailed(id: string, resolver: ApprovalResolverRecord): void {
    const entry = this.entries.get(id)
    if (entry?.resolver === resolver) delete entry.resolver
  }

  get size(): number {
    return this.entries.size
  }

  /** Drops expired approvals and resolved ones past their keep time. */
  private prune(): void {
    const nowMs = this.now()
    for (const [id, entry] of this.entries) {
      const gone = entry.resolved ? entry.resolved.atMs + RESOLVED_KEEP_MS : entry.expiresAtMs + EXPIRY_GRACE_MS
      if (gone <= nowMs) this.entries.delete(id)
    }
  }

  private bound(): void {
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next()
      if (oldest.done) return
      this.entries.delete(oldest.value)
    }
  }
}
