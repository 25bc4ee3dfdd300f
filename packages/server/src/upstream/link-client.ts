/**
 * One connection attempt's `GatewayClient`, as the link sees it: the seam tests replace
 * ({@link GatewayClientLike}), the handshake it makes (`gateway-client` in `backend` mode, role
 * `operator`, the three scopes, the proxy's device identity), the host services it needs (signing,
 * the device tokens the gateway hands out, kept in memory, the redaction of its log lines), and
 * stopping it when the attempt is over.
 */
import type { GatewayClientOptions } from '@openclaw/gateway-client'
import { EXEC_APPROVALS_CAP, PLUGIN_APPROVALS_CAP, TOOL_EVENTS_CAP, type EventFrame } from '@clawchat/protocol'
import type { SecretRedactor } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { CLAWCHAT_VERSION } from '../version.js'
import {
  loadOrCreateDeviceIdentity,
  privateKeySecrets,
  publicKeyRawBase64UrlFromPem,
  signDevicePayload,
  type DeviceIdentity,
} from './device-identity.js'

/** The scopes the link asks for, explicitly (see docs/ARCHITECTURE.md: abort across reconnects, sessions.reset). */
export const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin'] as const

/**
 * The caps the link names in `connect`: always `tool-events` (the gateway sends a run's live `tool`
 * stream only to the connection that sent its `chat.send`, and only with this cap); with option
 * `approvals.route` also `exec-approvals` and `plugin-approvals`, which make the link (an
 * `operator.admin` connection) an approval client that sees every approval on the gateway.
 *
 * @example
 * linkCaps(false) // ['tool-events']
 * linkCaps(true)  // ['tool-events', 'exec-approvals', 'plugin-approvals']
 */
export function linkCaps(approvalRoute: boolean): string[] {
  return approvalRoute ? [TOOL_EVENTS_CAP, EXEC_APPROVALS_CAP, PLUGIN_APPROVALS_CAP] : [TOOL_EVENTS_CAP]
}

/** The part of `GatewayClient` the link uses (a seam for tests). */
export interface GatewayClientLike {
  start(): void
  stop(): void
  stopAndWait(opts?: { timeoutMs?: number }): Promise<void>
  request<T = unknown>(
    method: string,
    params?: unknown,
    opts?: { timeoutMs?: number | null; signal?: AbortSignal },
  ): Promise<T>
}

/** What one attempt's client reports back to the link. */
export interface HandshakeCallbacks {
  onHelloOk(hello: { server?: { version?: unknown } }): void
  onEvent(frame: EventFrame): void
  onConnectError(error: unknown): void
  onClose(code: number, reason: string): void
}

/** What {@link linkClientOptions} needs besides the callbacks. */
export interface HandshakeContext {
  url: string
  token: string
  requestTimeoutMs: number
  identity: DeviceIdentity
  /** The device tokens the gateway issued, by `deviceId|role` (kept for the process's life). */
  deviceTokens: Map<string, { token: string; scopes: string[] }>
  redact: SecretRedactor
  log: ProxyLog
  /** Option `approvals.route`: the link is also an approval client (see {@link linkCaps}). Default false. */
  approvalRoute?: boolean
}

/**
 * The options of one attempt's `GatewayClient`.
 *
 * @example
 * const client = new GatewayClient(linkClientOptions({ url, token, requestTimeoutMs, identity,
 *   deviceTokens, redact, log }, { onHelloOk, onEvent, onConnectError, onClose }))
 */
export function linkClientOptions(ctx: HandshakeContext, on: HandshakeCallbacks): GatewayClientOptions {
  const tokens = ctx.deviceTokens
  return {
    url: ctx.url,
    token: ctx.token,
    clientName: 'gateway-client',
    mode: 'backend',
    role: 'operator',
    scopes: [...LINK_SCOPES],
    caps: linkCaps(ctx.approvalRoute === true),
    clientVersion: CLAWCHAT_VERSION,
    clientDisplayName: 'ClawChat proxy',
    platform: process.platform,
    deviceIdentity: ctx.identity,
    requestTimeoutMs: ctx.requestTimeoutMs,
    hostDeps: {
      signDevicePayload,
      publicKeyRawBase64UrlFromPem,
      loadDeviceAuthToken: ({ deviceId, role }) => tokens.get(`${deviceId}|${role}`) ?? null,
      storeDeviceAuthToken: ({ deviceId, role, token, scopes }) =>
        void tokens.set(`${deviceId}|${role}`, { token, scopes }),
      clearDeviceAuthToken: ({ deviceId, role }) => void tokens.delete(`${deviceId}|${role}`),
      redactForLog: (message) => ctx.redact(message),
      logDebug: (message) => ctx.log.debug(`clawchat: gateway client: ${message}`),
      logError: (message) => ctx.log.debug(`clawchat: gateway client: ${message}`),
    },
    onHelloOk: (hello) => on.onHelloOk(hello as { server?: { version?: unknown } }),
    onEvent: (frame) => on.onEvent(frame as EventFrame),
    onConnectError: (error) => on.onConnectError(error),
    onClose: (code, reason) => on.onClose(code, reason),
  }
}

/**
 * Loads (or creates) the proxy's device identity, teaches `redact` every form of its private key
 * and logs where it is. Throws as `loadOrCreateDeviceIdentity` does (the link tells the operator).
 *
 * @example
 * const identity = loadLinkIdentity('.clawchat/identity.json', redact, log)
 */
export function loadLinkIdentity(identityPath: string, redact: SecretRedactor, log: ProxyLog): DeviceIdentity {
  const identity = loadOrCreateDeviceIdentity(identityPath)
  redact.add(...privateKeySecrets(identity.privateKeyPem))
  log.info('clawchat: device identity ready', { deviceId: identity.deviceId, identityPath })
  return identity
}

/** Stops an attempt's client; one already stopped may throw, which changes nothing. */
export function stopQuietly(client: GatewayClientLike): void {
  try {
    client.stop()
  } catch {
    // already stopped
  }
}
