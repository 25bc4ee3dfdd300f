/**
 * What the approval and question routing needs of the browser connections: a user's connections,
 * the administrators' connections, and of each its user, role, `caps` and a way to send an event.
 */
import { wantsEvents, type ApprovalKind } from '@clawchat/protocol'
import type { Role } from '../method-policy.js'

/** A browser connection as the routing of approvals and questions sees it. */
export interface WorkConnection {
  readonly userId: string
  readonly user: { readonly role: Role }
  /** The known `caps` the browser named in `connect` (none before it, or without them). */
  readonly caps?: readonly string[]
  sendEvent(event: string, payload: unknown): void
}

/** The open connections, as the routing looks them up. */
export interface WorkConnections {
  forUser(userId: string): readonly WorkConnection[]
  /** Every open connection (the administrators' are found among them). */
  list(): readonly WorkConnection[]
}

/**
 * Does this connection want events of approvals of `kind` (caps `exec-approvals` / `plugin-approvals`
 * / `approvals`, as the gateway asks of an approval client)?
 */
export function wantsApprovals(conn: WorkConnection, kind: ApprovalKind): boolean {
  return wantsEvents(conn.caps ?? [], kind === 'plugin' ? 'plugin-approvals' : 'exec-approvals')
}

/** The connections that may look at approvals of `ownerUserId`'s runs: the owner's, then every admin's. */
export function candidateConnections(
  conns: WorkConnections,
  ownerUserId: string | undefined,
  withAdmins: boolean,
): WorkConnection[] {
  const own = ownerUserId === undefined ? [] : [...conns.forUser(ownerUserId)]
  if (!withAdmins) return own
  const admins = conns.list().filter((c) => c.user.role === 'admin' && c.userId !== ownerUserId)
  return [...own, ...admins]
}
