import ReconnectingWebSocket from 'reconnecting-websocket'
import { closeAction, type CloseAction } from '@clawchat/protocol'
import { backoffDelay } from './backoff.js'
import type { ResolvedReconnect, WebSocketConstructor, WebSocketLike } from './options.js'

/** What the transport reports when a socket ends (exactly once per socket, real close or given up). */
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

/** Callbacks of a {@link Transport}. */
export interface TransportHooks {
  open(): void
  message(data: string): void
  end(info: SocketEnd): void
}

type Handler = (event: any) => void

/**
 * What reconnecting-websocket gets as its socket: a view of the real one that never passes on
 * `error` events (a `close` always follows them, and the transport decides on the close), and that
 * tells the transport first about everything.
 */
class SocketView {
  binaryType = 'blob'
  readonly #listeners: Record<string, Set<Handler>> = {}

  constructor(
    readonly raw: WebSocketLike,
    notify: (view: SocketView, type: string, event: any) => void,
  ) {
    for (const type of ['open', 'message', 'close']) {
      raw.addEventListener(type, (event) => {
        notify(this, type, event)
        for (const fn of [...(this.#listeners[type] ?? [])]) fn(event)
      })
    }
    // Node's `ws` throws on an `error` event nobody listens to.
    raw.addEventListener('error', () => {})
  }

  get readyState(): number {
    return this.raw.readyState
  }
  send(data: string): void {
    this.raw.send(data)
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason)
  }
  addEventListener(type: string, fn: Handler): void {
    if (type !== 'error') (this.#listeners[type] ??= new Set()).add(fn)
  }
  removeEventListener(type: string, fn: Handler): void {
    this.#listeners[type]?.delete(fn)
  }
}

/**
 * The socket layer: `reconnecting-websocket` underneath, with ClawChat's own policy on top — the
 * close-code table (`closeAction`), jittered exponential backoff, an early retry on demand, and a
 * clean stop. reconnecting-websocket's own delay is set to 0; the wait happens in its URL provider,
 * which is where the policy decides (and where `retryNow()` can cut a wait short).
 *
 * @example
 * const t = new Transport('wss://app.example/clawchat', WebSocket, RECONNECT_DEFAULTS, { open, message, end })
 * t.send('{"type":"req",...}')
 * t.close()
 */
export class Transport {
  readonly #rws: ReconnectingWebSocket
  #current: SocketView | undefined
  #opened = false
  #healthy = false
  #failures = 0
  #delay = 0
  #first = true
  #stopped = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #wake: (() => void) | undefined

  readonly #url: string
  readonly #o: ResolvedReconnect
  readonly #hooks: TransportHooks

  constructor(url: string, WS: WebSocketConstructor, o: ResolvedReconnect, hooks: TransportHooks) {
    this.#url = url
    this.#o = o
    this.#hooks = hooks
    const notify = (view: SocketView, type: string, event: any) => this.#onSocket(view, type, event)
    const track = (view: SocketView) => {
      this.#current = view
      this.#opened = this.#healthy = false
    }
    // reconnecting-websocket calls `new WebSocket(url)`; a function returning an object works with `new`.
    function Socket(u: string) {
      const view = new SocketView(new WS(u), notify)
      track(view)
      return view
    }
    Socket.CLOSING = 2 // reconnecting-websocket checks this to recognise a WebSocket class
    this.#rws = new ReconnectingWebSocket(() => this.#nextUrl(), undefined, {
      WebSocket: Socket,
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      reconnectionDelayGrowFactor: 1,
      connectionTimeout: o.connectTimeoutMs,
      maxEnqueuedMessages: 0,
    })
    this.#rws.addEventListener('error', (e) => {
      // reconnecting-websocket's own connect timeout (its only error that reaches us).
      if (e.message === 'TIMEOUT') this.#lost(1006, 'connect timeout')
    })
  }

  /** True while the current socket is open. */
  get isOpen(): boolean {
    return this.#opened && this.#current?.readyState === 1
  }

  /** Writes a frame; false when there is no open socket. */
  send(data: string): boolean {
    if (!this.isOpen) return false
    this.#current!.send(data)
    return true
  }

  /** The connection reached a session: the next failure starts the backoff from the beginning. */
  markHealthy(): void {
    this.#healthy = true
    this.#failures = 0
  }

  /** Ends a backoff wait now (e.g. the browser came back `online`). */
  retryNow(): void {
    this.#wake?.()
  }

  /** Gives up on the current socket (no heartbeat, handshake too slow) and connects again after the backoff. */
  restart(reason: string): void {
    if (this.#stopped || !this.#current) return
    this.#lost(4000, reason)
    if (!this.#stopped) this.#rws.reconnect(1000, reason)
  }

  /** Stops for good: closes the socket and never reconnects. */
  close(code = 1000, reason = ''): void {
    if (this.#stopped) return
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#wake = this.#current = undefined
    this.#rws.close(code, reason)
  }

  #onSocket(view: SocketView, type: string, event: any): void {
    if (view !== this.#current || this.#stopped) return
    if (type === 'open') {
      this.#opened = true
      this.#hooks.open()
    } else if (type === 'message') {
      if (typeof event.data === 'string') this.#hooks.message(event.data)
    } else {
      this.#lost(typeof event.code === 'number' ? event.code : 1006, String(event.reason ?? ''))
    }
  }

  /** The current socket is finished: report it once and work out the next delay. */
  #lost(code: number, reason: string): void {
    if (!this.#current) return
    this.#current = undefined
    const action = closeAction(code)
    this.#failures++
    this.#delay = backoffDelay(this.#failures, action, this.#o)
    this.#hooks.end({ code, reason, action, opened: this.#opened, healthy: this.#healthy })
  }

  #nextUrl(): Promise<string> {
    if (this.#first) {
      this.#first = false
      return Promise.resolve(this.#url)
    }
    return new Promise((resolve) => {
      if (this.#stopped) return
      const go = () => {
        clearTimeout(this.#timer)
        this.#wake = undefined
        resolve(this.#url)
      }
      this.#wake = go
      this.#timer = setTimeout(go, this.#delay)
    })
  }
}
