import { closeAction, type CloseAction } from '@clawchat/protocol'
import { backoffDelay } from './backoff.js'
import { Alarm, systemClock, type Clock } from './clock.js'
import type { ResolvedReconnect, WebSocketConstructor, WebSocketLike } from './options.js'

/** What the reconnect manager reports when a socket ends (exactly once per socket: a real close, or given up). */
export interface SocketEnd {
  code: number
  reason: string
  /** What the close-code table says to do. */
  action: CloseAction
  /** The socket had opened. */
  opened: boolean
  /** The connection had reached a session (`markHealthy`). */
  healthy: boolean
}

/** Callbacks of a {@link ReconnectManager}. */
export interface ReconnectHooks {
  open(): void
  message(data: string): void
  end(info: SocketEnd): void
}

/** Where the manager is: one socket at a time, or a wait between two, or stopped for good. */
type SocketPhase =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'connecting'; readonly socket: WebSocketLike }
  | { readonly kind: 'open'; readonly socket: WebSocketLike; healthy: boolean }
  | { readonly kind: 'stopped' }

/** Closes a socket, ignoring a socket that refuses (already closed, a code the browser does not allow). */
function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason)
  } catch {
    // nothing to do: it is being dropped either way
  }
}

/** The `code` and `reason` of a close event, whatever shape the socket gave it. */
function closeFacts(event: unknown): { code: number; reason: string } {
  const e = (event ?? {}) as { code?: unknown; reason?: unknown }
  return { code: typeof e.code === 'number' ? e.code : 1006, reason: String(e.reason ?? '') }
}

/**
 * ClawChat's reconnecting socket: one WebSocket at a time and, when it ends, the next one after
 * the delay the close-code table asks for (`closeAction`: stop, reconnect at once, back off, back off
 * long) with jittered exponential backoff over failures in a row. The backoff starts over once a
 * connection reached a session ({@link markHealthy}), not merely opened. A wait can be cut short
 * ({@link retryNow}); a socket that does not open within `connectTimeoutMs` is given up. Time comes
 * from an injected {@link Clock}.
 *
 * @example
 * const socket = new ReconnectManager('wss://app.example/clawchat', WebSocket, RECONNECT_DEFAULTS, {
 *   open: () => console.log('open'), message: (data) => handle(data), end: (info) => console.log(info.action),
 * })
 * socket.send('{"type":"req",...}')
 * socket.close()
 */
export class ReconnectManager {
  #phase: SocketPhase = { kind: 'waiting' }
  #failures = 0
  readonly #wait: Alarm
  readonly #openDeadline: Alarm

  constructor(
    private readonly url: string,
    private readonly WS: WebSocketConstructor,
    private readonly o: ResolvedReconnect,
    private readonly hooks: ReconnectHooks,
    clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {
    this.#wait = new Alarm(clock)
    this.#openDeadline = new Alarm(clock)
    queueMicrotask(() => this.#connect())
  }

  /** True while the current socket is open. */
  get isOpen(): boolean {
    return this.#phase.kind === 'open' && this.#phase.socket.readyState === 1
  }

  /** Writes a frame; false when there is no open socket. */
  send(data: string): boolean {
    if (this.#phase.kind !== 'open' || this.#phase.socket.readyState !== 1) return false
    this.#phase.socket.send(data)
    return true
  }

  /** The connection reached a session: the next failure starts the backoff from the beginning. */
  markHealthy(): void {
    if (this.#phase.kind === 'open') this.#phase.healthy = true
    this.#failures = 0
  }

  /** Ends a backoff wait now (e.g. the browser came back `online`). */
  retryNow(): void {
    if (this.#phase.kind === 'waiting') this.#connect()
  }

  /** Gives up on the current socket (no heartbeat, handshake too slow) and connects again after the backoff. */
  restart(reason: string): void {
    const p = this.#phase
    if (p.kind === 'connecting' || p.kind === 'open') this.#lost(p.socket, 4000, reason, [1000, reason])
  }

  /** Stops for good: closes the socket and never reconnects. */
  close(code = 1000, reason = ''): void {
    const p = this.#phase
    if (p.kind === 'stopped') return
    this.#phase = { kind: 'stopped' }
    this.#wait.clear()
    this.#openDeadline.clear()
    if (p.kind !== 'waiting') closeQuietly(p.socket, code, reason)
  }

  #connect(): void {
    if (this.#phase.kind !== 'waiting') return
    this.#wait.clear()
    let socket: WebSocketLike
    try {
      socket = new this.WS(this.url)
    } catch {
      // A URL or a page policy the browser refuses: it counts as a failed attempt.
      return this.#ended(1006, 'connect failed', false, false)
    }
    this.#phase = { kind: 'connecting', socket }
    this.#openDeadline.set(this.o.connectTimeoutMs, () => this.#lost(socket, 1006, 'connect timeout', [1000, '']))
    socket.addEventListener('open', () => this.#onOpen(socket))
    socket.addEventListener('message', (event) => this.#onMessage(socket, event))
    socket.addEventListener('close', (event) => {
      const { code, reason } = closeFacts(event)
      this.#lost(socket, code, reason)
    })
    // A `close` always follows an `error`, and the close decides; Node's `ws` throws on an unheard `error`.
    socket.addEventListener('error', () => {})
  }

  #onOpen(socket: WebSocketLike): void {
    if (this.#phase.kind !== 'connecting' || this.#phase.socket !== socket) return
    this.#openDeadline.clear()
    this.#phase = { kind: 'open', socket, healthy: false }
    this.hooks.open()
  }

  #onMessage(socket: WebSocketLike, event: unknown): void {
    if (this.#phase.kind !== 'open' || this.#phase.socket !== socket) return
    const data = (event as { data?: unknown } | undefined)?.data
    if (typeof data === 'string') this.hooks.message(data)
  }

  /** `socket` is finished (closing it with `closeWith`): report it once and wait for the next attempt. */
  #lost(socket: WebSocketLike, code: number, reason: string, closeWith?: [number, string]): void {
    const p = this.#phase
    if ((p.kind !== 'connecting' && p.kind !== 'open') || p.socket !== socket) return
    this.#openDeadline.clear()
    if (closeWith) closeQuietly(socket, ...closeWith)
    this.#ended(code, reason, p.kind === 'open', p.kind === 'open' && p.healthy)
  }

  /** An attempt ended: stop for good when the code says so, else wait the backoff, then connect again. */
  #ended(code: number, reason: string, opened: boolean, healthy: boolean): void {
    const action = closeAction(code)
    this.#phase = action === 'stop' ? { kind: 'stopped' } : { kind: 'waiting' }
    this.#failures++
    const delay = backoffDelay(this.#failures, action, this.o, this.random)
    this.hooks.end({ code, reason, action, opened, healthy })
    if (this.#phase.kind === 'waiting') this.#wait.set(delay, () => this.#connect())
  }
}
