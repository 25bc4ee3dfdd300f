import WebSocket from 'ws'

/** How a socket ended: code and reason, and whether a close frame arrived. */
export interface CloseInfo {
  code: number
  reason: string
}

type Waiter = {
  match: (f: any) => boolean
  resolve: (f: any) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/** Connect params as the reference's raw client sent them (`gateway-client`/`backend`, read+write). */
export function connectParams(
  overrides: {
    token?: string | null
    clientId?: string
    mode?: string
    scopes?: string[]
    device?: Record<string, unknown>
    minProtocol?: number
    maxProtocol?: number
    extra?: Record<string, unknown>
  } = {},
): Record<string, unknown> {
  const params: Record<string, unknown> = {
    minProtocol: overrides.minProtocol ?? 4,
    maxProtocol: overrides.maxProtocol ?? 4,
    client: {
      id: overrides.clientId ?? 'gateway-client',
      version: '0.1.0',
      platform: 'linux',
      mode: overrides.mode ?? 'backend',
    },
    role: 'operator',
    scopes: overrides.scopes ?? ['operator.read', 'operator.write'],
    caps: ['tool-events'],
  }
  if (overrides.token !== null) params.auth = { token: overrides.token ?? 'secret123' }
  if (overrides.device) params.device = overrides.device
  return { ...params, ...overrides.extra }
}

/**
 * A plain `ws` client that records every frame it receives, for tests that look at the wire itself
 * (the official client hides frames, closes and errors behind its own logic).
 */
export class RawClient {
  readonly frames: any[] = []
  readonly rawTexts: string[] = []
  readonly closed: Promise<CloseInfo>
  private readonly waiters = new Set<Waiter>()
  private nextId = 1

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const w of this.waiters) {
          clearTimeout(w.timer)
          w.reject(new Error(`socket closed (${code}) while waiting`))
        }
        this.waiters.clear()
        resolve({ code, reason: reason.toString() })
      })
    })
    ws.on('message', (data) => {
      const text = data.toString()
      this.rawTexts.push(text)
      const frame = JSON.parse(text)
      this.frames.push(frame)
      for (const w of [...this.waiters]) {
        if (w.match(frame)) {
          this.waiters.delete(w)
          clearTimeout(w.timer)
          w.resolve(frame)
        }
      }
    })
    ws.on('error', () => {})
  }

  /** Opens a socket (optionally with an Origin header) and waits for it to be open. */
  static open(url: string, opts: { origin?: string; headers?: Record<string, string> } = {}): Promise<RawClient> {
    const ws = new WebSocket(url, { ...(opts.origin ? { origin: opts.origin } : {}), headers: opts.headers })
    const client = new RawClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('error', reject)
    })
  }

  /** The first received frame matching `match` (already received or future). */
  waitFor(match: (f: any) => boolean, timeoutMs = 5000): Promise<any> {
    const found = this.frames.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new Error(`no matching frame within ${timeoutMs} ms`))
        }, timeoutMs),
      }
      this.waiters.add(waiter)
    })
  }

  /** Waits for the event `name` whose payload matches `match`. */
  event(name: string, match: (payload: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    return this.waitFor((f) => f.type === 'event' && f.event === name && match(f.payload), timeoutMs)
  }

  /** Received events named `name`, in order. */
  events(name: string): any[] {
    return this.frames.filter((f) => f.type === 'event' && f.event === name)
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a request and resolves with its response frame. */
  request(method: string, params?: unknown, id = `r-${this.nextId++}`, timeoutMs = 5000): Promise<any> {
    const frame: Record<string, unknown> = { type: 'req', id, method }
    if (params !== undefined) frame.params = params
    this.send(frame)
    return this.waitFor((f) => f.type === 'res' && f.id === id, timeoutMs)
  }

  /** Waits for the challenge, sends `connect` with these params and resolves with its response. */
  async connect(params: Record<string, unknown> = connectParams(), id = 'c-1'): Promise<any> {
    await this.waitFor((f) => f.event === 'connect.challenge')
    return this.request('connect', params, id)
  }

  /** The challenge frame. */
  challenge(): Promise<any> {
    return this.waitFor((f) => f.event === 'connect.challenge')
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close()
  }

  terminate(): void {
    this.ws.terminate()
  }
}
