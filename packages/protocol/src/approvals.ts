/**
 * Approvals as a browser sees them through the proxy: OpenClaw's `exec.approval.*` /
 * `plugin.approval.*` events and `exec.approval.*` / `approval.*` methods, limited to the approvals
 * this user may see (their own runs; admins also others' and runs started elsewhere), with server
 * paths, client ids and gateway keys left out and the decisions trimmed to what this user may send.
 */

/** OpenClaw's approval decisions. `allow-always` writes a lasting grant for every user of the agent. */
export type ApprovalDecision = 'allow-once' | 'allow-always' | 'deny'

/** Every decision, in OpenClaw's order. */
export const APPROVAL_DECISIONS: readonly ApprovalDecision[] = ['allow-once', 'allow-always', 'deny']

/** The kind of approval: a command (`exec`) or a plugin's tool call (`plugin`). */
export type ApprovalKind = 'exec' | 'plugin'

/**
 * Who resolved an approval, as the browser sees it: its owner (`user`), an administrator through
 * ClawChat (`admin`), the proxy because nobody who may answer was connected (`clawchat`), or the
 * gateway / someone outside ClawChat (`gateway`: an abort, an expiry, OpenClaw's Control UI).
 */
export type ApprovalResolver = 'user' | 'admin' | 'clawchat' | 'gateway'

/** Who is being waited for: this user (`you`) or an administrator (`admin`). */
export type ApprovalWaitingFor = 'you' | 'admin'

/** The request of an approval: what the agent wants to do, and where. */
export interface ApprovalRequest {
  /** The command (exec) or the plugin's description of the call. */
  command: string
  /** `gateway` (the gateway host) or `node`. */
  host?: string
  /** The gateway's warning about the command, when it has one. */
  warningText?: string | null
  /** The gateway's analysis of the command (risk kinds, warning lines). */
  commandAnalysis?: { riskKinds?: string[]; warningLines?: string[] }
  /** The decisions *this viewer* may send (empty when they may not answer it). */
  allowedDecisions: ApprovalDecision[]
  /** The viewer's own session key, on an approval of their own run. */
  sessionKey?: string
  /** The viewer's own run id (the `idempotencyKey` of the `chat.send`), on an approval of their own run. */
  runId?: string
  /** The tool call waiting for it (matches the `tool` / `item` events' `toolCallId`). */
  toolCallId?: string
  /** Whose answer the run waits for. */
  waitingFor: ApprovalWaitingFor
  /** Admins only, on another user's approval: whose run it is. */
  ownerUserId?: string
  /** Admins only: the run was started outside ClawChat (a channel, cron, the CLI). */
  external?: boolean
}

/** An approval waiting for a decision (the payload of `*.approval.requested`, a row of `*.approval.list`). */
export interface ApprovalItem {
  id: string
  approvalKind: ApprovalKind
  request: ApprovalRequest
  createdAtMs: number
  expiresAtMs: number
}

/** The payload of `exec.approval.resolved` / `plugin.approval.resolved`. */
export interface ApprovalResolvedEvent {
  id: string
  decision: ApprovalDecision
  resolvedBy: ApprovalResolver
  ts: number
  /** A sentence for people when the proxy decided (`resolvedBy: "clawchat"`): why. */
  reason?: string
  request?: ApprovalRequest
}

/** Params of `exec.approval.get` / `approval.get`. */
export interface ApprovalGetParams {
  id: string
}

/** Params of `exec.approval.resolve`. */
export interface ApprovalResolveParams {
  id: string
  decision: ApprovalDecision
}

/** Params of `approval.resolve` (kind-agnostic). */
export interface AnyApprovalResolveParams {
  id: string
  kind: ApprovalKind
  decision: ApprovalDecision
}

/** Answer to `exec.approval.resolve` / `approval.resolve`. */
export interface ApprovalResolveResult {
  ok: true
}

/** `details.reason` of an approval this user cannot see (unknown, expired, or another user's). */
export const APPROVAL_NOT_FOUND = 'APPROVAL_NOT_FOUND'
/** `details.reason` of a second, different decision. */
export const APPROVAL_ALREADY_RESOLVED = 'APPROVAL_ALREADY_RESOLVED'
