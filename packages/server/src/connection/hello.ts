/**
 * What a browser learns when it connects — pure: the sanitised `hello-ok` (it passes OpenClaw's
 * strict `HelloOk` schema and names nothing upstream: no gateway key, no presence, no paths, no
 * token) and the `clawchat.session` payload.
 */
import {
  BROWSER_EVENTS,
  DEFAULT_SESSION_KEY,
  PROTOCOL_VERSION,
  type ClawChatSessionPayload,
  type ClawChatUser,
} from '@clawchat/protocol'
import { publicLimits, type ProxyLimits } from '../limits/limits.js'

/** The inputs of {@link buildHelloOk}. */
export interface HelloInput {
  /** The gateway's version (last known), or undefined if never connected. */
  gatewayVersion: string | undefined
  /** The proxy's own id for this browser connection. */
  connId: string
  /** What this user may call. */
  methods: readonly string[]
  /** The OpenClaw scopes this user effectively has. */
  scopes: readonly string[]
  /** Uptime of the proxy, ms. */
  uptimeMs: number
  limits: ProxyLimits
  now?: number
}

/** A `hello-ok` payload as the proxy sends it. */
export interface ProxyHelloOk {
  type: 'hello-ok'
  protocol: number
  server: { version: string; connId: string }
  features: { methods: string[]; events: string[] }
  snapshot: {
    presence: []
    health: { ok: true; ts: number }
    stateVersion: { presence: number; health: number }
    uptimeMs: number
    sessionDefaults: { defaultAgentId: string; mainKey: string; mainSessionKey: string }
  }
  auth: { role: 'operator'; scopes: string[] }
  policy: { maxPayload: number; maxBufferedBytes: number; tickIntervalMs: number }
}

/**
 * The sanitised `hello-ok`.
 *
 * @example
 * ws.send(JSON.stringify({ type: 'res', id, ok: true, payload: buildHelloOk(input) }))
 */
export function buildHelloOk(input: HelloInput): ProxyHelloOk {
  return {
    type: 'hello-ok',
    protocol: PROTOCOL_VERSION,
    server: { version: input.gatewayVersion ?? 'unknown', connId: input.connId },
    features: { methods: [...input.methods], events: [...BROWSER_EVENTS] },
    snapshot: {
      presence: [],
      health: { ok: true, ts: input.now ?? Date.now() },
      stateVersion: { presence: 0, health: 0 },
      uptimeMs: Math.max(0, Math.floor(input.uptimeMs)),
      sessionDefaults: { defaultAgentId: 'main', mainKey: DEFAULT_SESSION_KEY, mainSessionKey: DEFAULT_SESSION_KEY },
    },
    auth: { role: 'operator', scopes: [...input.scopes] },
    policy: {
      maxPayload: input.limits.maxPayload,
      maxBufferedBytes: input.limits.outboundHighWaterMark,
      tickIntervalMs: input.limits.tickIntervalMs,
    },
  }
}

/** The `clawchat.session` payload (also the 200 body of `GET <path>/session`). */
export function buildSessionPayload(
  user: ClawChatUser,
  methods: readonly string[],
  limits: ProxyLimits,
): ClawChatSessionPayload {
  const shown: ClawChatUser = { id: user.id, role: user.role }
  if (user.name !== undefined) shown.name = user.name
  return { user: shown, sessionKey: DEFAULT_SESSION_KEY, methods: [...methods], limits: publicLimits(limits) }
}
