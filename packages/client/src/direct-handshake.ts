import type {
  GatewayBrowserDeviceAuthLifecycle,
  GatewayBrowserDeviceAuthPlan,
  GatewayBrowserDeviceTokenStore,
} from '@openclaw/gateway-client/browser'
import { BROWSER_CLIENT, DIRECT_SDK_CAPS, PROTOCOL_VERSION } from '@clawchat/protocol'
import { loadOrCreateDeviceIdentity, type DeviceIdentity, type KeyValueStorage } from './device-identity.js'
import { loadGatewayClient, type GatewayClientBrowser } from './gateway-client-loader.js'
import type { HandshakeStrategy } from './handshake.js'
import { SDK_VERSION } from './version.js'

/** What direct mode signs in with. */
export interface DirectSettings {
  token: string
  scopes: string[]
  storage: KeyValueStorage
}

const TOKEN_KEY = 'clawchat.device-token.v1'

/** Device tokens the gateway issues, kept in the same storage as the identity. */
function tokenStore(storage: KeyValueStorage): GatewayBrowserDeviceTokenStore {
  const key = (p: { clientId: string; deviceId: string; role: string }) =>
    `${TOKEN_KEY}:${p.clientId}:${p.deviceId}:${p.role}`
  return {
    load: async (p) => {
      try {
        const raw = await storage.getItem(key(p))
        return raw ? JSON.parse(raw) : null
      } catch {
        return null
      }
    },
    store: (p) => storage.setItem(key(p), JSON.stringify({ token: p.token, scopes: p.scopes })),
    clear: (p) => storage.removeItem?.(key(p)),
  }
}

/**
 * Direct mode's handshake with an OpenClaw gateway: the challenge is signed with the page's device
 * identity (signature payload v3) and sent with the token, scopes and `DIRECT_SDK_CAPS` (OpenClaw's
 * own caps: no lean wire, the gateway does not speak it); the connection is ready at `hello-ok`
 * (methods and the main session key come from it, a device token it issues is stored); session keys
 * go to the gateway as given. A wrong token, a device that must be paired first, an
 * Origin the gateway does not allow (the page's origin will not change by retrying), … stop for
 * good (`auth-failed`).
 *
 * @example
 * super({ ...options, [HANDSHAKE]: directHandshake({ token, scopes, storage: localStorage }) })
 */
export function directHandshake({ token, scopes, storage }: DirectSettings): HandshakeStrategy {
  let identity: Promise<DeviceIdentity> | undefined
  // `@openclaw/gateway-client` is an optional peer: loaded at the first sign-in (a missing one makes
  // each attempt fail with an `error` event saying what to install).
  let gatewayClient: GatewayClientBrowser | undefined
  let lifecycle: GatewayBrowserDeviceAuthLifecycle | undefined
  let plan: GatewayBrowserDeviceAuthPlan | undefined
  return {
    checksSession: false,
    async connectParams(challenge) {
      gatewayClient ??= await loadGatewayClient()
      lifecycle ??= new gatewayClient.GatewayBrowserDeviceAuthLifecycle({
        loadIdentity: () => (identity ??= loadOrCreateDeviceIdentity(storage)),
        tokenStore: tokenStore(storage),
      })
      const client = { id: BROWSER_CLIENT.id, version: SDK_VERSION, platform: 'web', mode: BROWSER_CLIENT.mode }
      const nonce = challenge.nonce ?? null
      plan = await lifecycle.buildPlan({
        client,
        role: 'operator',
        defaultScopes: scopes,
        token,
        nonce,
        challengeTs: challenge.ts,
      })
      return {
        minProtocol: PROTOCOL_VERSION,
        maxProtocol: PROTOCOL_VERSION,
        client,
        caps: [...DIRECT_SDK_CAPS],
        role: plan.role,
        scopes: plan.scopes,
        ...(plan.auth ? { auth: plan.auth } : {}),
        ...(plan.device ? { device: plan.device } : {}),
      }
    },
    async helloReceived(hello) {
      const ready = {
        methods: hello.features?.methods ?? [],
        sessionKey: hello.snapshot?.sessionDefaults?.mainKey ?? 'main',
      }
      if (plan && lifecycle)
        await lifecycle.acceptHello(hello as Parameters<GatewayBrowserDeviceAuthLifecycle['acceptHello']>[0], plan)
      return ready
    },
    sessionKeyFor: (key, fallback) => key ?? fallback,
    connectRefused(error) {
      const details = error.details as { code?: unknown } | undefined
      return (
        details?.code === 'CONTROL_UI_ORIGIN_NOT_ALLOWED' ||
        gatewayClient?.shouldPauseGatewayReconnect({
          details,
          tokenMismatchIsTerminal: true,
          protocolMismatchIsTerminal: true,
        }) === true
      )
    },
  }
}
