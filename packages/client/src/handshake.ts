import {
  ASSISTANT_EVENTS_CAP,
  BROWSER_CLIENT,
  DEFAULT_SESSION_KEY,
  PROTOCOL_VERSION,
  SDK_CAPS,
  parseSessionKey,
  type ClawChatSessionPayload,
  type ClawChatUser,
  type ErrorShape,
} from '@clawchat/protocol'
import type { ClawChatOptions } from './options.js'
import { SDK_VERSION } from './version.js'

/**
 * The parts of `hello-ok` the SDK reads (for handshake strategies such as direct mode).
 *
 * @example
 * const tick = (hello: HelloPayload) => hello.policy?.tickIntervalMs
 */
export interface HelloPayload {
  type?: string
  server?: { version?: string; connId?: string }
  features?: { methods?: string[]; events?: string[] }
  snapshot?: { sessionDefaults?: { mainKey?: string; mainSessionKey?: string } }
  auth?: { role?: string; scopes?: string[]; deviceToken?: string }
  policy?: { maxPayload?: number; tickIntervalMs?: number }
}

/**
 * The `connect.challenge` payload.
 *
 * @example
 * const signedAt = (c: Challenge) => c.ts
 */
export interface Challenge {
  nonce?: string
  ts?: number
}

/**
 * Who is connected and what they may call: from the proxy's `clawchat.session`, or in direct mode
 * from the gateway's `hello-ok`. Kept across reconnects; replaced by each new one.
 *
 * @example
 * const identity: Identity = { sessionKey: 'main', methods: ['chat.send'] }
 */
export interface Identity {
  sessionKey: string
  methods: readonly string[]
  user?: ClawChatUser
  session?: ClawChatSessionPayload
}

/**
 * How a mode signs in and names sessions. The proxy mode's is {@link proxyHandshake}; direct mode
 * injects its own (`direct-handshake.ts`).
 *
 * @example
 * const strategy: HandshakeStrategy = { ...proxyHandshake(), connectParams: (c) => ({ ...base, nonce: c.nonce }) }
 */
export interface HandshakeStrategy {
  /** Ask `GET <path>/session` whether the user is logged out after a failed reconnect (proxy mode). */
  readonly checksSession: boolean
  /** The `connect` params for this challenge. */
  connectParams(challenge: Challenge): unknown
  /** `hello-ok` arrived: the identity when the connection is ready now, else `undefined` (wait for the session). */
  helloReceived(hello: HelloPayload): Identity | undefined | Promise<Identity | undefined>
  /** The session key to send for `key` (`fallback`: the default session); throws when `key` is not valid. */
  sessionKeyFor(key: string | undefined, fallback: string): string
  /** `connect` was refused: true to stop for good (`auth-failed`). */
  connectRefused(error: Partial<ErrorShape>): boolean
}

/**
 * The option key under which a mode injects its {@link HandshakeStrategy} (a symbol: never part of
 * `ClawChatOptions`, never a typo the option check would have to name).
 *
 * @example
 * super({ ...options, [HANDSHAKE]: directHandshake(settings) } as ClawChatOptions)
 */
export const HANDSHAKE = Symbol('clawchat.handshake')

/** Options with a mode's handshake strategy injected. */
export type ModeOptions = ClawChatOptions & { [HANDSHAKE]?: HandshakeStrategy }

/**
 * The identity the proxy's `clawchat.session` event gives.
 *
 * @example
 * identityOfSession(payload).methods // ['chat.send', 'chat.history', …]
 */
export function identityOfSession(s: ClawChatSessionPayload): Identity {
  return { sessionKey: s.sessionKey || DEFAULT_SESSION_KEY, methods: s.methods ?? [], user: s.user, session: s }
}

/**
 * The handshake with the ClawChat proxy: `connect` as the web chat client with no credentials (the
 * page's login cookie went with the upgrade) and the `caps` of `SDK_CAPS` (live tool events,
 * approvals and the lean wire), plus `clawchat.assistant-events` when `assistantEvents`; ready at
 * `clawchat.session`; session keys checked and lower-cased as the proxy wants them.
 *
 * @example
 * new Connection(options, proxyHandshake(options.assistantEvents))
 */
export function proxyHandshake(assistantEvents = false): HandshakeStrategy {
  const caps: string[] = [...SDK_CAPS]
  if (assistantEvents) caps.push(ASSISTANT_EVENTS_CAP)
  return {
    checksSession: true,
    connectParams: () => ({
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: { id: BROWSER_CLIENT.id, version: SDK_VERSION, platform: 'web', mode: BROWSER_CLIENT.mode },
      caps: [...caps],
    }),
    helloReceived: () => undefined,
    sessionKeyFor: (key, fallback) => {
      if (key === undefined) return fallback
      const parsed = parseSessionKey(key)
      if (!parsed.ok) throw new Error(parsed.message)
      return parsed.key
    },
    connectRefused: () => false,
  }
}
