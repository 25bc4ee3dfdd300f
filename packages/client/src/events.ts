import type {
  AgentEvent,
  ApprovalItem,
  ChatEvent,
  ClawChatEvents,
  ClawChatGatewayPayload,
  ClawChatSessionPayload,
  QuestionItem,
} from '@clawchat/protocol'
import type { CloseReason } from './errors.js'
import type { ToolCall } from './tool-calls.js'

/**
 * The connection state (`chat.state`, and the `state` event):
 * - `connecting`: not yet ready for the first time;
 * - `open`: ready, requests go straight out;
 * - `reconnecting`: the socket was lost; requests wait in the queue;
 * - `gateway-down`: the proxy is there but its gateway is not; `chat.send`s wait in the queue;
 * - `misconfigured`: the gateway refused the proxy for a reason a person must fix (a wrong token, a
 *   device not yet approved, a protocol mismatch): `chat.send`s fail at once with a non-retryable
 *   `UNAVAILABLE` (`details.reason: "misconfigured"`) instead of waiting; `open` again once it is fixed;
 * - `closed`: for good (see `chat.closeReason`).
 *
 * @example
 * chat.on('state', ({ state }) => (banner.hidden = state === 'open'))
 */
export type ClawChatState = 'connecting' | 'open' | 'reconnecting' | 'gateway-down' | 'misconfigured' | 'closed'

/**
 * Payload of the `state` event.
 *
 * @example
 * chat.on('state', (s: StateChange) => console.log(`${s.previous} -> ${s.state}`, s.reason ?? ''))
 */
export interface StateChange {
  state: ClawChatState
  previous: ClawChatState
  /** Set when `state` is `closed`. */
  reason?: CloseReason
}

/**
 * Payload of the `resync` event: events may have been missed, refetch what you show (e.g. `chat.history()`).
 * - `reconnect`: a new connection after a lost one;
 * - `slow-consumer`: the proxy dropped this connection (1013) because the page read too slowly;
 * - `gateway-up`: the gateway is back after `gateway-down`;
 * - `gap`: a `seq` number was skipped.
 *
 * @example
 * chat.on('resync', async () => render((await chat.history()).messages))
 */
export interface ResyncInfo {
  reason: 'reconnect' | 'slow-consumer' | 'gateway-up' | 'gap'
}

/**
 * The typed events of {@link ClawChat.on}: the gateway's (`chat`, `agent`, `exec.approval.requested`
 * / `.resolved`, `plugin.approval.*`, `question.requested` / `.resolved`, …) and the SDK's own
 * (`state`, `resync`, `tool`, `approvals`, `questions`, …). Any other gateway event name can be
 * subscribed to as well; its payload is then `unknown`.
 *
 * @example
 * const onChat = (e: ClawChatEventMap['chat']) => console.log(e.state)
 */
export interface ClawChatEventMap extends ClawChatEvents {
  /** A `chat` event: status, delta (`deltaText`, `message`, `replace`), final, error, aborted. */
  chat: ChatEvent
  /** An `agent` event: lifecycle, usage, the agent's work, … (assistant text only with option `assistantEvents`). */
  agent: AgentEvent
  /** The connection state changed. */
  state: StateChange
  /** The proxy said who the user is (after every (re)connect). Proxy mode only. */
  session: ClawChatSessionPayload
  /** Events may have been missed; refetch what the page shows. */
  resync: ResyncInfo
  /** Something went wrong that no promise reports (a bad frame, a refused handshake, a throwing listener). */
  error: Error
  /** The proxy's `clawchat.session` event, as sent. */
  'clawchat.session': ClawChatSessionPayload
  /** The proxy's gateway went `down` or came back `up`. */
  'clawchat.gateway': ClawChatGatewayPayload
  /** The heartbeat of the proxy (or gateway). */
  tick: { ts: number }
  /** A tool call of one of the user's runs started or changed (built from `agent` events). */
  tool: ToolCall
  /** The pending approvals changed (a request, a decision, a list after a reconnect): all of them. */
  approvals: ApprovalItem[]
  /** The pending questions changed: all of them. */
  questions: QuestionItem[]
}

/**
 * A listener for event `K`.
 *
 * @example
 * const log: Listener<'resync'> = (r) => console.log(r.reason)
 */
export type Listener<K extends string> = (
  payload: K extends keyof ClawChatEventMap ? ClawChatEventMap[K] : unknown,
) => void

/**
 * A minimal typed event emitter; a listener that throws is reported on `error`, never breaks the SDK.
 *
 * @example
 * const events = new Emitter()
 * const off = events.on('state', (s) => console.log(s.state))
 * off()
 */
export class Emitter {
  readonly #map = new Map<string, Set<(payload: never) => void>>()

  /** Adds a listener; returns the function that removes it. */
  on<K extends string>(name: K, listener: Listener<K>): () => void {
    let set = this.#map.get(name)
    if (!set) this.#map.set(name, (set = new Set()))
    const fn = listener as (payload: never) => void
    set.add(fn)
    return () => void set.delete(fn)
  }

  /** Calls every listener of `name` with `payload`. */
  emit(name: string, payload: unknown): void {
    const set = this.#map.get(name)
    if (!set) return
    for (const fn of [...set]) {
      try {
        ;(fn as (p: unknown) => void)(payload)
      } catch (err) {
        if (name === 'error') console.error('ClawChat: an "error" listener threw', err)
        else this.emit('error', err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
}
