import type { CloseReason } from './errors.js'
import type { ClawChatState } from './events.js'

/**
 * What the proxy said of its gateway on the current socket (`clawchat.gateway`): `up`, `down`, or
 * `misconfigured` (refused for a reason a person must fix, given in `reason`).
 *
 * @example
 * const away = (g: GatewayStatus) => g.kind !== 'up'
 */
export type GatewayStatus =
  { readonly kind: 'up' } | { readonly kind: 'down' } | { readonly kind: 'misconfigured'; readonly reason: string }

/**
 * The facts of one socket, from its `open` to its end.
 *
 * @example
 * const link = newLink() // gateway up, no seq seen, no limits yet
 */
export interface Link {
  gateway: GatewayStatus
  /** The last event `seq` seen on this socket. */
  lastSeq: number | undefined
  /** `hello-ok`'s `policy.maxPayload` (0: none said). */
  maxPayload: number
  /** Silence longer than this (2.5 ticks) drops the socket; 0: no heartbeat. */
  heartbeatMs: number
}

/**
 * The `resync` the next ready connection owes the page: `reconnect` after a lost connection,
 * `slow-consumer` after close 1013, `undefined` before the first ready connection (nothing to resync).
 */
export type PendingResync = 'reconnect' | 'slow-consumer' | undefined

/** Where the handshake on an open socket is: waiting for the challenge, `connect` sent, `hello-ok` received. */
export type HandshakeStep = 'challenge' | 'connect' | 'hello'

/**
 * The one state of a connection. Everything that was a flag is a field of the phase it belongs to;
 * a new socket is a new state object, so async work that finds another object in place knows its
 * socket is gone.
 * - `connecting`: no open socket (the first attempt, or a backoff wait and attempt after a loss);
 * - `handshaking`: a socket is open; challenge, `connect`, `hello-ok` and (proxy mode) `clawchat.session`;
 * - `ready`: requests flow (which ones depends on `link.gateway`);
 * - `closed`: for good.
 *
 * @example
 * if (state.phase === 'ready' && state.link.gateway.kind === 'up') write(frame)
 */
export type ConnectionState =
  | { readonly phase: 'connecting'; readonly resync: PendingResync }
  | {
      readonly phase: 'handshaking'
      readonly resync: PendingResync
      readonly link: Link
      step: HandshakeStep
      /** The strategy knows who is connected (`clawchat.session`, or direct mode's `hello-ok`). */
      identified: boolean
    }
  | { readonly phase: 'ready'; readonly link: Link }
  | { readonly phase: 'closed'; readonly reason: CloseReason }

/** The `handshaking` phase of {@link ConnectionState}. */
export type Handshaking = Extract<ConnectionState, { phase: 'handshaking' }>

/**
 * A fresh {@link Link}.
 *
 * @example
 * state = { phase: 'handshaking', resync, link: newLink(), step: 'challenge', identified: false }
 */
export function newLink(): Link {
  return { gateway: { kind: 'up' }, lastSeq: undefined, maxPayload: 0, heartbeatMs: 0 }
}

/**
 * The state the page sees (`chat.state`) for a connection state.
 *
 * @example
 * publicState({ phase: 'connecting', resync: 'reconnect' }) // 'reconnecting'
 */
export function publicState(s: ConnectionState): ClawChatState {
  if (s.phase === 'closed') return 'closed'
  if (s.phase !== 'ready') return s.resync ? 'reconnecting' : 'connecting'
  const { gateway } = s.link
  return gateway.kind === 'up' ? 'open' : gateway.kind === 'down' ? 'gateway-down' : 'misconfigured'
}
