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
import { ClawChat as ProxyClawChat } from './clawchat.js'
import { memoryStorage, type KeyValueStorage } from './device-identity.js'
import { directHandshake } from './direct-handshake.js'
import { HANDSHAKE, type ModeOptions } from './handshake.js'
import { optionError, type ClawChatOptions } from './options.js'

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

let warned = false

/** Says once per page that the token is visible to the page. */
function warnOnce(): void {
  if (warned) return
  warned = true
  console.warn(
    'ClawChat direct mode: the gateway token is visible to this page and to every script running on it. ' +
      'Use direct mode only for personal or intranet use; ' +
      'for anything else put @clawchat/server in front of the gateway.',
  )
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
    const withHandshake: ModeOptions = { ...rest, [HANDSHAKE]: directHandshake({ token, scopes, storage: store }) }
    super(withHandshake)
    warnOnce()
  }
}
