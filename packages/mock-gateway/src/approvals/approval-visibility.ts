import type { GatewayConnection } from '../connection/connection.js'
import { Scopes } from '../connection/scopes.js'

/*
 * Who sees an exec approval (TOOLS-AND-APPROVALS "Who gets an exec approval", measured in t2):
 * scope operator.approvals or operator.admin; an approval client (caps `approvals` / `exec-approvals`,
 * or the Control UI's client id) for the events; and the record must be visible: admin, or the same
 * device as the connection that sent the `chat.send`.
 */

/** Caps that make a connection an exec approval client. */
export const EXEC_APPROVAL_CAPS: readonly string[] = ['approvals', 'exec-approvals']

/** Client ids the gateway treats as approval clients without caps (the Control UI). */
const APPROVAL_CLIENT_IDS: readonly string[] = ['openclaw-control-ui']

/** What visibility needs to know about an approval. */
export interface ApprovalAudience {
  /** Device id of the connection that sent the run's `chat.send` (`approvalReviewerDeviceIds`). */
  reviewerDeviceId: string | undefined
}

function isAdmin(conn: GatewayConnection): boolean {
  return conn.scopes.includes(Scopes.ADMIN)
}

/** Scope `operator.approvals` or `operator.admin`. */
export function hasApprovalsScope(conn: GatewayConnection): boolean {
  return isAdmin(conn) || conn.scopes.includes(Scopes.APPROVALS)
}

/** Caps `approvals`/`exec-approvals`, or the Control UI. */
export function isExecApprovalClient(conn: GatewayConnection): boolean {
  return (
    conn.caps.some((c) => EXEC_APPROVAL_CAPS.includes(c)) ||
    (conn.identity !== undefined && APPROVAL_CLIENT_IDS.includes(conn.identity.clientId))
  )
}

function sameDevice(conn: GatewayConnection, audience: ApprovalAudience): boolean {
  const device = conn.identity?.deviceId
  return device !== undefined && device === audience.reviewerDeviceId
}

/** Receives `exec.approval.requested` / `.resolved` for this approval. */
export function receivesApprovalEvents(conn: GatewayConnection, audience: ApprovalAudience): boolean {
  return (
    conn.isConnected &&
    hasApprovalsScope(conn) &&
    isExecApprovalClient(conn) &&
    (isAdmin(conn) || sameDevice(conn, audience))
  )
}

/**
 * Sees it in `exec.approval.list` / `get` / `resolve`: an admin always (t2 E: admin without caps
 * listed everything), anyone else only as an approval client on the sender's device.
 */
export function canSeeApproval(conn: GatewayConnection, audience: ApprovalAudience): boolean {
  if (!hasApprovalsScope(conn)) return false
  return isAdmin(conn) || (isExecApprovalClient(conn) && sameDevice(conn, audience))
}
