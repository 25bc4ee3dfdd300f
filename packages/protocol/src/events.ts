import type { ChatEvent as OpenClawChatEvent } from '@openclaw/gateway-protocol'

/** Name of ClawChat's own event telling the browser who it is and what it may do. */
export const CLAWCHAT_SESSION_EVENT = 'clawchat.session'
/** Name of ClawChat's own event telling the browser whether the gateway is reachable. */
export const CLAWCHAT_GATEWAY_EVENT = 'clawchat.gateway'

/** A user as the proxy's `authenticate` returned it, as the browser sees it. */
export interface ClawChatUser {
  id: string
  name?: string
  role: 'user' | 'admin'
}

/** The limits the proxy applies to this connection. */
export interface ClawChatLimits {
  /** Largest frame the proxy accepts, in bytes (larger: close 1009). */
  maxPayload: number
  /** Messages per second allowed on one connection (more: `RATE_LIMITED`). */
  messagesPerSecond: number
  /** Messages per second allowed for this user across connections. */
  userMessagesPerSecond: number
  /** Open connections allowed for this user (more: close 4429). */
  connectionsPerUser: number
  /** Bytes that may wait for a slow browser before it is closed with 1013. */
  outboundHighWaterMark: number
  /** Maximum lifetime of one connection in ms (then close 4408), or 0 for none. */
  maxLifetimeMs: number
}

/**
 * Payload of `clawchat.session`, sent after `hello-ok` (or before the first answer when the
 * browser skipped `connect`), and the 200 body of `GET <path>/session`.
 *
 * @example
 * chat.on('session', (s: ClawChatSessionPayload) => console.log(`hello ${s.user.name ?? s.user.id}`))
 */
export interface ClawChatSessionPayload {
  user: ClawChatUser
  /** The browser's default session key: always `main`, never the gateway's key. */
  sessionKey: string
  /** The methods this user may call. */
  methods: string[]
  limits: ClawChatLimits
}

/**
 * The state of the proxy's upstream link to the gateway: `up`; `down` (unreachable or restarting:
 * the proxy retries on its own and requests fail with `UNAVAILABLE`, retryable); `misconfigured`
 * (the gateway refused the proxy for a reason a person must fix — a wrong token, a device not yet
 * approved on the gateway host, a protocol mismatch: requests fail with `UNAVAILABLE`, *not*
 * retryable, `details.reason: "misconfigured"`; the proxy keeps retrying slowly, so an approval or a
 * fix on the gateway brings it `up` without a restart).
 */
export type GatewayState = 'up' | 'down' | 'misconfigured'

/** `details.reason` of a request refused because the gateway is `misconfigured`. */
export const MISCONFIGURED_REASON = 'misconfigured'

/**
 * Payload of `clawchat.gateway`: the gateway went away (`down`), refused the proxy
 * (`misconfigured`) or came back (`up`).
 *
 * @example
 * chat.on('clawchat.gateway', (g: ClawChatGatewayPayload) => banner.hidden = g.state === 'up')
 */
export interface ClawChatGatewayPayload {
  state: GatewayState
  /**
   * A sentence for people: why the gateway is not up. Never contains the token. Users get a plain
   * sentence; admins, when `misconfigured`, also what the gateway said and what to do.
   */
  reason?: string
}

/** One member of OpenClaw's chat event union, with its `seq` made optional. */
type SeqOptional<E> = E extends unknown ? Omit<E, 'seq'> & { seq?: number } : never

/**
 * A `chat` event as the browser receives it: OpenClaw's chat event with `sessionKey` and `runId`
 * rewritten to the browser's own names (`runId` is the `idempotencyKey` the browser sent). `seq`
 * (the run's own counter, shared with its `agent` events) is absent on the deltas the SDK rebuilt
 * from the lean wire (`lean.ts`), which does not carry it.
 *
 * @example
 * if (e.state === 'delta') text += e.deltaText
 */
export type ChatEvent = SeqOptional<OpenClawChatEvent>

/**
 * An `agent` event as the browser receives it: lifecycle, assistant text, usage, and the agent's
 * work — `tool` (start / update / result, only to connections with the `tool-events` cap), `item`
 * (one per tool call: title, status), `command_output` (a command's output), `approval`, and
 * lifecycle `waiting-approval` / `approval-resolved`. `data` has the fields of `AGENT_DATA_FIELDS`.
 */
export interface AgentEvent {
  runId: string
  sessionKey: string
  stream: string
  data: Record<string, unknown>
  seq?: number
  ts?: number
}

/** The events a browser can receive from the proxy, by default. */
export const BROWSER_EVENTS = [
  'chat',
  'agent',
  'sessions.changed',
  'exec.approval.requested',
  'exec.approval.resolved',
  'plugin.approval.requested',
  'plugin.approval.resolved',
  'question.requested',
  'question.resolved',
  'tick',
  CLAWCHAT_SESSION_EVENT,
  CLAWCHAT_GATEWAY_EVENT,
] as const

/** One of {@link BROWSER_EVENTS}. */
export type BrowserEventName = (typeof BROWSER_EVENTS)[number]
