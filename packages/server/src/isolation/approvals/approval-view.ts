/**
 * What a viewer sees of an approval — pure: the whitelisted fields of the request, its session key
 * and run id in the viewer's own names (on their own runs only), whom the run waits for, the
 * decisions this viewer may send, and for administrators whose run it is. `null` when the viewer
 * may not see it at all.
 */
import {
  APPROVAL_REQUEST_FIELDS,
  type ApprovalItem,
  type ApprovalRequest,
  type ApprovalResolvedEvent,
  type ApprovalResolver,
} from '@clawchat/protocol'
import { isRecord, pick, type Json } from '../../common/records.js'
import { rewriteIdentifiers, type ViewContext } from '../sanitize.js'
import { decisionsFor, isOwn, mayAnswer, maySee, type ApprovalPolicy, type Viewer } from './approval-policy.js'
import type { ApprovalEntry } from './approval-registry.js'

/** Strings only, at most `max` of them. */
function strings(value: unknown, max = 50): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, max) : undefined
}

/** The gateway's command analysis, its lists of strings only. */
function analysisOf(value: unknown): ApprovalRequest['commandAnalysis'] | undefined {
  if (!isRecord(value)) return undefined
  const out: NonNullable<ApprovalRequest['commandAnalysis']> = {}
  const riskKinds = strings(value.riskKinds)
  const warningLines = strings(value.warningLines)
  if (riskKinds) out.riskKinds = riskKinds
  if (warningLines) out.warningLines = warningLines
  return out
}

/**
 * The request as `viewer` sees it.
 *
 * @example
 * viewRequest(ctx, policy, entry, { userId: 'alice', role: 'user' })
 * // { command: 'echo hi', allowedDecisions: [], waitingFor: 'admin', sessionKey: 'main', runId: 'k1', … }
 */
export function viewRequest(
  namespace: string,
  policy: ApprovalPolicy,
  entry: ApprovalEntry,
  viewer: Viewer,
): ApprovalRequest {
  const ctx: ViewContext = { namespace, userId: viewer.userId }
  const picked: Json = pick(entry.request, APPROVAL_REQUEST_FIELDS)
  const own = isOwn(entry, viewer)
  const out: ApprovalRequest = {
    command: typeof picked.command === 'string' ? picked.command : '',
    allowedDecisions: decisionsFor(policy, entry, viewer),
    waitingFor: mayAnswer(policy, entry, viewer) ? 'you' : 'admin',
  }
  if (typeof picked.host === 'string') out.host = picked.host
  if (typeof picked.warningText === 'string') out.warningText = rewriteIdentifiers(ctx, picked.warningText)
  else if (picked.warningText === null) out.warningText = null
  const analysis = analysisOf(picked.commandAnalysis)
  if (analysis) out.commandAnalysis = analysis
  if (typeof picked.toolCallId === 'string') out.toolCallId = picked.toolCallId
  if (own && entry.owner) {
    out.sessionKey = entry.owner.sessionKey
    if (entry.owner.runId !== undefined) out.runId = entry.owner.runId
  } else if (entry.owner) {
    out.ownerUserId = entry.owner.userId
  } else {
    out.external = true
  }
  return out
}

/**
 * The approval as `viewer` sees it (a `*.approval.requested` payload, a row of a list), or `null`.
 *
 * @example
 * viewApproval('clawchat', DEFAULT_APPROVAL_POLICY, entry, { userId: 'bob', role: 'user' }) // null
 */
export function viewApproval(
  namespace: string,
  policy: ApprovalPolicy,
  entry: ApprovalEntry,
  viewer: Viewer,
): ApprovalItem | null {
  if (!maySee(policy, entry, viewer)) return null
  return {
    id: entry.id,
    approvalKind: entry.kind,
    request: viewRequest(namespace, policy, entry, viewer),
    createdAtMs: entry.createdAtMs,
    expiresAtMs: entry.expiresAtMs,
  }
}

/** Who resolved it, as the browser is told: through ClawChat by its owner, an admin, the proxy; else the gateway. */
export function resolverOf(entry: ApprovalEntry, decision: unknown): ApprovalResolver {
  const r = entry.resolver
  if (!r || r.decision !== decision) return 'gateway'
  if (r.by === 'clawchat') return 'clawchat'
  return entry.owner !== null && entry.owner.userId === r.userId ? 'user' : 'admin'
}

/** A `*.approval.resolved` payload as `viewer` sees it, or `null`. */
export function viewResolved(
  namespace: string,
  policy: ApprovalPolicy,
  entry: ApprovalEntry,
  payload: Json,
  viewer: Viewer,
): ApprovalResolvedEvent | null {
  if (!maySee(policy, entry, viewer)) return null
  const decision = payload.decision === 'allow-once' || payload.decision === 'allow-always' ? payload.decision : 'deny'
  const resolvedBy = resolverOf(entry, payload.decision)
  const out: ApprovalResolvedEvent = {
    id: entry.id,
    decision,
    resolvedBy,
    ts: typeof payload.ts === 'number' ? payload.ts : Date.now(),
  }
  if (resolvedBy === 'clawchat' && entry.resolver?.reason) out.reason = entry.resolver.reason
  out.request = viewRequest(namespace, policy, entry, viewer)
  return out
}
