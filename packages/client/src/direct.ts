/**
 * `@clawchat/client/direct`: the same `ClawChat` API straight to an OpenClaw gateway, without the
 * ClawChat proxy — for personal or intranet use. The page holds the gateway token (anyone who can
 * run script on the page can read it; a one-time console warning says so) and signs in with a device
 * identity of its own (Ed25519 through WebCrypto), as the gateway requires of browsers.
 *
 * @example
 * import { ClawChat } from '@clawchat/client/direct'
 * const chat = new ClawChat({ url: 'ws://127.0.0.1:18789', token: 'my-gateway-token' })
 * for await (const part of chat.stream('Hello')) console.log(part.text)
 */
import {
  GatewayBrowserDeviceAuthLifecycle,
  shouldPauseGatewayReconnect,
  type GatewayBrowserDeviceAuthPlan,
  type GatewayBrowserDeviceTokenStore,
} from '@openclaw/gateway-client/browser'
import { BROWSER_CLIENT, PROTOCOL_VERSION, type ErrorShape } from '@clawchat/protocol'
import { ClawChat as ProxyClawChat, type Challenge, type HelloPayload } from './clawchat.js'
import {
  loadOrCreateDeviceIdentity,
  memoryStorage,
  type DeviceIdentity,
  type KeyValueStorage,
} from './device-identity.js'
import { optionError, type ClawChatOptions } from './options.js'
import { SDK_VERSION } from './version.js'

export * from './index.js'
export {
  loadOrCreateDeviceIdentity,
  memoryStorage,
  IDENTITY_STORAGE_KEY,
  type DeviceIdentity,
  type KeyValueStorage,
} from './device-identity.js'

/**
 * Options of direct mode: those of the proxy-mode `ClawChat` (no `fetch`: there is no proxy to ask),
 * plus the gateway token and where the device identity lives.
 *
 * @example
 * new ClawChat({ url: 'ws://127.0.0.1:18789', token, scopes: ['operator.read', 'operator.write'] })
 */
export interface DirectClawChatOptions extends Omit<ClawChatOptions, 'url' | 'fetch'> {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:18789`. Required. */
  url: string
  /** The gateway token. Visible to the page: personal or intranet use only. */
  token: string
  /** The scopes to ask for. Default `['operator.read', 'operator.write']` (chat and sessions). */
  scopes?: string[]
  /**
   * Where the device identity (and any device token the gateway issues) is kept. Default
   * `localStorage` when there is one, else memory (a new identity per process).
   */
  storage?: KeyValueStorage
}

/**
 * The scopes direct mode asks for by default.
 *
 * @example
 * new ClawChat({ url, token, scopes: [...DIRECT_DEFAULT_SCOPES, 'operator.admin'] })
 */
export const DIRECT_DEFAULT_SCOPES = ['operator.read', 'operator.write'] as const

const TOKEN_KEY = 'clawchat.device-token.v1'

let warned = false

/** Says once per page that the token is visible to the page. */
function warnOnce(): void {
  if (warned) return
  warned = true
  console.warn(
    'ClawChat direct mode: the gateway token is visible to this page and to every script running on it. ' +
      'Use direct mode only for personal or intranet use; for anything else put @clawchat/server in front of the gateway.',
  )
}

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
 * `ClawChat` for talking to a gateway directly. Same API as the proxy-mode client; the differences:
 * it does the gateway's challenge/`connect` itself with the token and a signed device identity
 * (signature payload v3), session keys go to the gateway as given, events are not filtered, and
 * `user` / `session` stay `undefined`.
 *
 * @example
 * import { ClawChat } from '@clawchat/client/direct'
 * const chat = new ClawChat({ url: 'ws://127.0.0.1:18789', token })
 * await chat.ready
 * const { runId } = await chat.send('Hello')
 */
export class ClawChat extends ProxyClawChat {
  readonly #token: string
  readonly #scopes: string[]
  readonly #lifecycle: GatewayBrowserDeviceAuthLifecycle
  #plan: GatewayBrowserDeviceAuthPlan | undefined

  /**
   * Checks the options (a bad one throws a `TypeError` naming it), warns once that the token is
   * visible to the page, and starts connecting.
   *
   * @example
   * const chat = new ClawChat({ url: 'ws://127.0.0.1:18789', token, storage: memoryStorage() })
   */
  constructor(options: DirectClawChatOptions) {
    const { token, scopes = [...DIRECT_DEFAULT_SCOPES], storage, ...rest } = options ?? ({} as DirectClawChatOptions)
    if (typeof rest.url !== 'string') throw optionError('url', "the gateway's ws:// or wss:// URL", rest.url)
    if (typeof token !== 'string' || !token) throw optionError('token', 'the gateway token (a non-empty string)', token)
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))
      throw optionError('scopes', 'an array of strings', scopes)
    const store = storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? memoryStorage()
    if (typeof store.getItem !== 'function' || typeof store.setItem !== 'function')
      throw optionError('storage', 'an object with getItem and setItem', store)
    super(rest)
    warnOnce()
    this.checksSession = false
    this.#token = token
    this.#scopes = scopes
    let identity: Promise<DeviceIdentity> | undefined
    this.#lifecycle = new GatewayBrowserDeviceAuthLifecycle({
      loadIdentity: () => (identity ??= loadOrCreateDeviceIdentity(store)),
      tokenStore: tokenStore(store),
    })
  }

  /** @internal Signs the challenge with the device identity; token and scopes as configured. */
  protected override async connectParams(challenge: Challenge): Promise<unknown> {
    const client = { id: BROWSER_CLIENT.id, version: SDK_VERSION, platform: 'web', mode: BROWSER_CLIENT.mode }
    const plan = await this.#lifecycle.buildPlan({
      client,
      role: 'operator',
      defaultScopes: this.#scopes,
      token: this.#token,
      nonce: challenge.nonce ?? null,
      challengeTs: challenge.ts,
    })
    this.#plan = plan
    return {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client,
      role: plan.role,
      scopes: plan.scopes,
      ...(plan.auth ? { auth: plan.auth } : {}),
      ...(plan.device ? { device: plan.device } : {}),
    }
  }

  /** @internal Ready at `hello-ok`: methods and the main session key come from it. */
  protected override async helloReceived(hello: HelloPayload): Promise<boolean> {
    this._methods = hello.features?.methods ?? []
    this._sessionKey = hello.snapshot?.sessionDefaults?.mainKey ?? 'main'
    if (this.#plan)
      await this.#lifecycle.acceptHello(
        hello as Parameters<GatewayBrowserDeviceAuthLifecycle['acceptHello']>[0],
        this.#plan,
      )
    return true
  }

  /** @internal No proxy: session keys go as given. */
  protected override sessionKeyFor(key: string | undefined): string {
    return key ?? this._sessionKey
  }

  /**
   * @internal A wrong token, a device that must be paired first, an Origin the gateway does not
   * allow (the page's origin will not change by retrying), … stop for good (`auth-failed`).
   */
  protected override connectRefused(error: Partial<ErrorShape>): boolean {
    const details = error.details as { code?: unknown } | undefined
    return (
      details?.code === 'CONTROL_UI_ORIGIN_NOT_ALLOWED' ||
      shouldPauseGatewayReconnect({ details, tokenMismatchIsTerminal: true, protocolMismatchIsTerminal: true })
    )
  }
}
