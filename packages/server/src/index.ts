/**
 * `@clawchat/server`: put an OpenClaw gateway behind your web app's own login. Browsers connect
 * with the app's session cookie and no token; the server relays them to the gateway over one
 * shared, authenticated link and keeps every user's sessions, runs and events to that user.
 *
 * @example
 * import { clawchatProxy } from '@clawchat/server'
 * const proxy = clawchatProxy({ gateway: { token: process.env.OPENCLAW_GATEWAY_TOKEN! }, session: sessionMiddleware })
 * app.use(proxy)
 * proxy.attach(app.listen(36006))
 */
export { clawchatProxy, type ClawChatProxy } from './proxy.js'
export type { ProxyStats } from './lifecycle.js'
export type { FrameCount, RequestFigures, TrafficFigures } from './metrics/figures.js'
export type { MetricsOption, MetricsOptions } from './metrics/options.js'
export type { RefusalReason } from './metrics/labels.js'
export {
  DEFAULT_GATEWAY_URL,
  DEFAULT_NAMESPACE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SESSION_CHECK_INTERVAL_MS,
  defaultAuthenticate,
  type Authenticate,
  type AuthenticateRequest,
  type ClawChatProxyOptions,
  type ClawChatUserInput,
  type GatewayOptions,
  type PolicyOptions,
  type SessionMiddleware,
} from './gate/options.js'
export { DEFAULT_IDENTITY_PATH } from './upstream/device-identity.js'
export {
  DEFAULT_IDENTITY_USER_HEADER,
  trustedIdentityHeaders,
  type TrustedIdentityHeadersOptions,
} from './gate/identity-headers.js'
export {
  DEFAULT_CONTROL_UI_IDENTITY_PATH,
  DEFAULT_CONTROL_UI_LIMITS,
  type ControlUiOption,
} from './control-ui/options.js'
export type { ControlUiStats } from './control-ui/index.js'
export { DEFAULT_LIMITS, type LimitsOption, type ProxyLimits } from './limits/limits.js'
export { DEFAULT_METHOD_POLICY, type MethodPolicy, type Role } from './isolation/policy.js'
export { DEFAULT_COMMAND_POLICY, type CommandAllowance, type CommandPolicy } from './isolation/commands.js'
export {
  DEFAULT_APPROVAL_POLICY,
  type AdminApprovalPolicy,
  type ApprovalPolicy,
  type UserApprovalPolicy,
} from './isolation/approvals/approval-policy.js'
export {
  DEFAULT_UNATTENDED_DENY_MS,
  type ApprovalPolicyOption,
  type ApprovalsOption,
} from './gate/options-approvals.js'
export { PERMISSION_MODES, type PermissionMode } from './isolation/permissions.js'
export type { PermissionProfileOption, PermissionsOption } from './gate/options-permissions.js'
export type { LoggerLike } from './common/log.js'
export type { AuditEntry } from './audit/audit.js'
export type { AuditOption, AuditOptions, AuditSink, AuditStream } from './audit/audit-sink.js'
export type { SessionStoreLike } from './gate/session-check.js'
export type { LinkState } from './upstream/gateway-link.js'
export type { ClusterView, CoordinationOptions, InstanceStats } from './coordination/index.js'
