/**
 * Delivery of `exec.approval.*` / `plugin.approval.*` events: each approval's events go to its
 * owner's connections and — when the policy lets administrators see others' approvals — to the
 * administrators' connections, only to those whose `caps` asked for approvals (as the gateway does),
 * each in its viewer's own view. Nobody else receives anything of them.
 */
import type { ApprovalKind, EventFrame } from '@clawchat/protocol'
import { isRecord } from '../../common/records.js'
import type { ApprovalPolicy } from './approval-policy.js'
import type { ApprovalEntry, ApprovalRegistry } from './approval-registry.js'
import { viewApproval, viewResolved } from './approval-view.js'
import { candidateConnections, wantsApprovals, type WorkConnection, type WorkConnections } from './work-connections.js'

/** The approval events, with their kind and whether they request or resolve. */
export const APPROVAL_EVENTS: Readonly<Record<string, { kind: ApprovalKind; phase: 'requested' | 'resolved' }>> = {
  'exec.approval.requested': { kind: 'exec', phase: 'requested' },
  'exec.approval.resolved': { kind: 'exec', phase: 'resolved' },
  'plugin.approval.requested': { kind: 'plugin', phase: 'requested' },
  'plugin.approval.resolved': { kind: 'plugin', phase: 'resolved' },
}

/** What the delivery needs. */
export interface ApprovalEventsDeps {
  namespace: string
  policy: ApprovalPolicy
  registry: ApprovalRegistry
  connections: WorkConnections
  /** An approval was requested (the unattended watch looks at it at once). */
  onRequested?: (entry: ApprovalEntry) => void
}

/** The connections that may see `entry` and asked for its kind of events. */
export function approvalAudience(deps: ApprovalEventsDeps, entry: ApprovalEntry): WorkConnection[] {
  const withAdmins = deps.policy.admin === 'any'
  return candidateConnections(deps.connections, entry.owner?.userId, withAdmins).filter((c) =>
    wantsApprovals(c, entry.kind),
  )
}

/**
 * Routes one approval event; answers how many connections received it (0 for any other event).
 *
 * @example
 * routeApprovalEvent(deps, { type: 'event', event: 'exec.approval.requested', payload })
 */
export function routeApprovalEvent(deps: ApprovalEventsDeps, frame: EventFrame): number {
  if (typeof frame?.event !== 'string' || !Object.hasOwn(APPROVAL_EVENTS, frame.event)) return 0
  const what = APPROVAL_EVENTS[frame.event]
  const payload = frame.payload
  if (!what || !isRecord(payload)) return 0
  const entry =
    what.phase === 'requested'
      ? deps.registry.requested(what.kind, payload)
      : deps.registry.resolved(what.kind, payload)
  if (!entry || (what.phase === 'requested' && entry.resolved)) return 0
  if (what.phase === 'requested') deps.onRequested?.(entry)
  let delivered = 0
  for (const conn of approvalAudience(deps, entry)) {
    const viewer = { userId: conn.userId, role: conn.user.role }
    const view =
      what.phase === 'requested'
        ? viewApproval(deps.namespace, deps.policy, entry, viewer)
        : viewResolved(deps.namespace, deps.policy, entry, payload, viewer)
    if (!view) continue
    conn.sendEvent(frame.event, view)
    delivered += 1
  }
  return delivered
}
