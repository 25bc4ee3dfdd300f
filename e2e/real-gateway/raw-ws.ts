// A plain `ws` client that records every frame it receives and how the socket closed, for scripts
// that look at the wire itself (the official GatewayClient hides frames, closes and errors).
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'

/** A received frame: the parsed JSON (or `undefined` when it was not JSON) and the raw text. */
export interface ReceivedFrame {
  frame: Record<string, any> | undefined
  raw: string
  /** `Date.now()` on arrival. */
  at: number
}

/** How the socket ended. `code` 1006 means no close frame arrived. */
export interface CloseInfo {
  code: number
  reason: string
  at: number
}

export interface RawWsOptions {
  /** Extra headers of the upgrade request (Cookie, Origin, …). */
  headers?: Record<string, string>
  /** Give up opening after this long (default 10 000 ms). */
  openTimeoutMs?: number
}

type Waiter = {
  match: (f: Record<string, any>) => boolean
  resolve: (f: Record<string, any>) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/**
 * A recording `ws` client. Never throws from socket events; every frame lands in `received`.
 *
 * @example
 * const c = await RawWs.open('ws://127.0.0.1:18789')
 * await c.waitFor((f) => f.event === 'connect.challenge')
 * const res = await c.request('connect', params)
 * c.terminate()
 */
export class RawWs {
  /** Every frame received, in order. */
  readonly received: ReceivedFrame[] = []
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<CloseInfo>
  private readonly waiters = new Set<Waiter>()
  private closeInfo: CloseInfo | undefined

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: Date.now() }
        for (const w of this.waiters) {
          clearTimeout(w.timer)
          w.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting`))
        }
        this.waiters.clear()
        resolve(this.closeInfo)
      })
    })
    ws.on('message', (data) => {
      const raw = data.toString()
      let frame: Record<string, any> | undefined
      try {
        frame = JSON.parse(raw) as Record<string, any>
      } catch {
        frame = undefined
      }
      this.received.push({ frame, raw, at: Date.now() })
      if (!frame) return
      for (const w of [...this.waiters]) {
        if (!w.match(frame)) continue
        this.waiters.delete(w)
        clearTimeout(w.timer)
        w.resolve(frame)
      }
    })
    ws.on('error', () => {
      /* the close event says what happened */
    })
  }

  /**
   * Opens a socket and resolves once it is open; rejects (with the HTTP status of a refused
   * upgrade, when there was one) otherwise.
   *
   * @example
   * const c = await RawWs.open(url, { headers: { Origin: 'http://127.0.0.1:5173' } })
   */
  static open(url: string, opts: RawWsOptions = {}): Promise<RawWs> {
    const ws = new WebSocket(url, { headers: opts.headers, handshakeTimeout: opts.openTimeoutMs ?? 10_000 })
    const client = new RawWs(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => {
        res.resume()
        ws.terminate()
        reject(new Error(`upgrade refused: HTTP ${res.statusCode ?? '?'}`))
      })
      ws.once('error', (err) => reject(err))
    })
  }

  /** The parsed frames received so far. */
  get frames(): Array<Record<string, any>> {
    return this.received.flatMap((r) => (r.frame ? [r.frame] : []))
  }

  /** The close, once it happened. */
  get closeState(): CloseInfo | undefined {
    return this.closeInfo
  }

  /**
   * Resolves with the first frame (already received or coming) that matches.
   *
   * @example
   * await c.waitFor((f) => f.type === 'event' && f.event === 'chat' && f.payload.state === 'final', 60_000)
   */
  waitFor(
    match: (f: Record<string, any>) => boolean,
    timeoutMs = 10_000,
    what = 'a matching frame',
  ): Promise<Record<string, any>> {
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    if (this.closeInfo)
      return Promise.reject(new Error(`socket already closed (${this.closeInfo.code}) while waiting for ${what}`))
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w)
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${this.lastFramesSummary()}`),
          )
        }, timeoutMs),
      }
      this.waiters.add(w)
    })
  }

  /** Sends a frame (objects as JSON, strings as they are). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /**
   * Sends `{type:'req', id, method, params}` and resolves with its `res` frame.
   *
   * @example
   * const res = await c.request('chat.history', { sessionKey: 'main' })
   */
  request(
    method: string,
    params?: unknown,
    opts: { id?: string; timeoutMs?: number } = {},
  ): Promise<Record<string, any>> {
    const id = opts.id ?? `r-${randomUUID()}`
    const frame: Record<string, unknown> = { type: 'req', id, method }
    if (params !== undefined) frame.params = params
    this.send(frame)
    return this.waitFor((f) => f.type === 'res' && f.id === id, opts.timeoutMs ?? 15_000, `the answer to ${method}`)
  }

  /** Closes with a close frame and waits (up to 3 s) for the socket to be closed. */
  async close(): Promise<void> {
    if (this.closeInfo) return
    try {
      this.ws.close(1000, 'done')
    } catch {
      /* closing already */
    }
    const timer = new Promise<void>((r) => setTimeout(r, 3000).unref())
    await Promise.race([this.closed, timer])
    if (!this.closeInfo) this.ws.terminate()
  }

  /** Drops the socket at once. */
  terminate(): void {
    this.ws.terminate()
  }

  private lastFramesSummary(): string {
    return (
      this.received
        .slice(-4)
        .map((r) => r.raw.slice(0, 200))
        .join(' | ') || '(none)'
    )
  }
}
