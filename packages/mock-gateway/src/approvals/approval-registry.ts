import { randomUUID } from 'node:crypto'
import type { GatewayConnection } from '../connection/connection.js'
import { invalidRequest, type GatewayRequestError } from '../gateway/errors.js'
import { buildExecApprovalRequest, type ExecApprovalSubject } from './approval-request.js'
import { canSeeApproval, receivesApprovalEvents, type ApprovalAudience } from './approval-visibility.js'

/** How a pending approval ended, as the waiting `exec` learns it. */
export type ApprovalOutcome = 'allow-once' | 'allow-always' | 'deny' | 'expired' | 'closed'

/** One exec approval, pending or resolved. */
export interface ApprovalRecord extends ApprovalAudience {
  id: string
  request: Record<string, unknown>
  createdAtMs: number
  expiresAtMs: number
  /** Set once resolved (by a client, the run's abort or expiry). */
  decision?: string
}

interface PendingEntry {
  record: ApprovalRecord
  timer: NodeJS.Timeout
  /** Called synchronously when the approval ends (before the resolving request is answered). */
  settle: (outcome: ApprovalOutcome) => void
}

/** Resolved approvals remembered for "approval already resolved" answers. */
const RESOLVED_LIMIT = 1000

/** `resolvedBy` after `chat.abort` of the waiting run (t2 phase 4, verbatim). */
export const SCOPE_CLOSED = 'approval-scope-closed'

/** The gateway's answer to an approval id the caller cannot see (t2, verbatim). */
export function approvalNotFound(): GatewayRequestError {
  return invalidRequest('unknown or expired approval id', {
    reason: 'APPROVAL_NOT_FOUND',
    remediation: 'Re-request the action; pending approvals are cleared after expiry or restart.',
  })
}

/** The list / get item: `{id, request, createdAtMs, expiresAtMs, approvalKind}`. */
export function approvalItem(r: ApprovalRecord): Record<string, unknown> {
  return { id: r.id, request: r.request, createdAtMs: r.createdAtMs, expiresAtMs: r.expiresAtMs, approvalKind: 'exec' }
}

/** What `exec.approval.get` answers (recorded 2026-12-04: no request, session key or run id). */
export function execApprovalView(r: ApprovalRecord): Record<string, unknown> {
  const q = r.request as Record<string, unknown>
  return {
    id: r.id,
    commandText: q.command,
    commandPreview: null,
    allowedDecisions: q.allowedDecisions,
    host: q.host,
    nodeId: q.nodeId ?? null,
    agentId: q.agentId,
    expiresAtMs: r.expiresAtMs,
  }
}

/** What `approval.get` answers: `{approval: {id, status, presentation, urlPath, createdAtMs, expiresAtMs}}`. */
export function anyApprovalView(r: ApprovalRecord): Record<string, unknown> {
  const q = r.request as Record<string, unknown>
  const presentation = {
    kind: 'exec',
    commandText: q.command,
    commandPreview: null,
    warningText: q.warningText ?? null,
    host: q.host,
    nodeId: q.nodeId ?? null,
    agentId: q.agentId,
    allowedDecisions: q.allowedDecisions,
  }
  return {
    approval: {
      id: r.id,
      status: 'pending',
      presentation,
      urlPath: `/approve/${r.id}`,
      createdAtMs: r.createdAtMs,
      expiresAtMs: r.expiresAtMs,
    },
  }
}

/** The shortest id prefix the gateway expands (recorded: an 8-character prefix finds the approval). */
const MIN_PREFIX = 8

/**
 * The gateway's exec approvals: created by a waiting `exec`, sent to the approval clients that may
 * see them (recomputed at resolve time), answered by `exec.approval.resolve` / `approval.resolve`,
 * closed by an abort, denied by `askFallback` when they expire.
 */
export class ApprovalRegistry {
  private readonly pending = new Map<string, PendingEntry>()
  private readonly resolved = new Map<string, ApprovalRecord>()

  /** A full id, or the one id (pending or resolved) that starts with an unambiguous prefix of 8+ characters. */
  private expand(id: string): string {
    if (this.pending.has(id) || this.resolved.has(id) || id.length < MIN_PREFIX) return id
    const matches = [...this.pending.keys(), ...this.resolved.keys()].filter((full) => full.startsWith(id))
    return matches.length === 1 ? (matches[0] as string) : id
  }

  constructor(
    private readonly connections: () => GatewayConnection[],
    private readonly timeoutMs: () => number,
  ) {}

  /** Whether any connected approval client could see an approval of this audience (else: no route). */
  hasRoute(audience: ApprovalAudience): boolean {
    return this.connections().some((c) => receivesApprovalEvents(c, audience))
  }

  /** Opens an approval and sends `exec.approval.requested` to those who may see it. */
  open(subject: ExecApprovalSubject, audience: ApprovalAudience, settle: (o: ApprovalOutcome) => void): ApprovalRecord {
    const createdAtMs = Date.now()
    const record: ApprovalRecord = {
      id: randomUUID(),
      request: buildExecApprovalRequest(subject),
      createdAtMs,
      expiresAtMs: createdAtMs + this.timeoutMs(),
      reviewerDeviceId: audience.reviewerDeviceId,
    }
    const timer = setTimeout(() => this.finish(record.id, 'deny', null, 'expired'), this.timeoutMs())
    timer.unref()
    this.pending.set(record.id, { record, timer, settle })
    const payload = { approvalKind: 'exec', ...approvalItemWithoutKind(record) }
    this.send(record, 'exec.approval.requested', payload)
    return record
  }

  /** Pending approvals this connection may see (`exec.approval.list`). */
  list(conn: GatewayConnection): ApprovalRecord[] {
    return [...this.pending.values()].map((e) => e.record).filter((r) => canSeeApproval(conn, r))
  }

  /** A pending approval this connection may see, or the not-found error. */
  get(conn: GatewayConnection, id: string): ApprovalRecord {
    const entry = this.pending.get(this.expand(id))
    if (!entry || !canSeeApproval(conn, entry.record)) throw approvalNotFound()
    return entry.record
  }

  /**
   * `exec.approval.resolve`: the same decision again is fine, another one is "approval already
   * resolved", an id the caller cannot see is not found. Events go out before this returns.
   */
  resolve(conn: GatewayConnection, given: string, decision: string): void {
    const id = this.expand(given)
    const done = this.resolved.get(id)
    if (done && canSeeApproval(conn, done)) {
      if (done.decision === decision) return
      throw invalidRequest('approval already resolved', { reason: 'APPROVAL_ALREADY_RESOLVED' })
    }
    const entry = this.pending.get(id)
    if (!entry || !canSeeApproval(conn, entry.record)) throw approvalNotFound()
    const allowed = entry.record.request.allowedDecisions as string[]
    if (!allowed.includes(decision)) {
      throw invalidRequest(`decision ${decision} is not allowed for this approval; allowed: ${allowed.join(', ')}`)
    }
    this.finish(id, decision, conn.identity?.clientId ?? null, decision as ApprovalOutcome)
  }

  /** The waiting run was aborted: deny with `resolvedBy: "approval-scope-closed"`. */
  close(id: string): void {
    this.finish(id, 'deny', SCOPE_CLOSED, 'closed')
  }

  /** Stops every timer (the gateway restarts; approvals do not survive it). */
  clear(): void {
    for (const e of this.pending.values()) clearTimeout(e.timer)
    this.pending.clear()
    this.resolved.clear()
  }

  private finish(id: string, decision: string, resolvedBy: string | null, outcome: ApprovalOutcome): void {
    const entry = this.pending.get(id)
    if (!entry) return
    clearTimeout(entry.timer)
    this.pending.delete(id)
    const { record } = entry
    if (outcome !== 'expired') {
      record.decision = decision
      this.resolved.set(id, record)
      if (this.resolved.size > RESOLVED_LIMIT) this.resolved.delete(this.resolved.keys().next().value as string)
    }
    const payload = { id, decision, resolvedBy, ts: Date.now(), request: record.request }
    this.send(record, 'exec.approval.resolved', payload)
    entry.settle(outcome)
  }

  private send(record: ApprovalRecord, event: string, payload: Record<string, unknown>): void {
    for (const c of this.connections()) if (receivesApprovalEvents(c, record)) c.sendEvent(event, payload)
  }
}

function approvalItemWithoutKind(r: ApprovalRecord): Record<string, unknown> {
  return { id: r.id, request: r.request, createdAtMs: r.createdAtMs, expiresAtMs: r.expiresAtMs }
}
