/**
 * A fake browser WebSocket for unit tests, and a scripted fake proxy behind it. It uses no timers
 * (sockets open and close in microtasks), so tests can run the SDK on `vi.useFakeTimers()`.
 * `createFakeServer()` gives a WebSocket class to inject (`new ClawChat({ WebSocket })`); every
 * socket the SDK opens is "accepted" by a tiny proxy that sends `connect.challenge`, answers
 * `connect` with `hello-ok` + `clawchat.session`, and answers requests with scripted handlers.
 */
import type { ClawChatSessionPayload } from '@clawchat/protocol'

type Listener = (event: any) => void

export interface Frame {
  type: string
  id?: string
  method?: string
  params?: any
  event?: string
  payload?: any
  seq?: number
}

/** What a handler answers: a payload, an error, or nothing (the request stays unanswered). */
export type Answer =
  | { payload: unknown }
  | { error: { code: string; message: string; retryable?: boolean; retryAfterMs?: number; details?: unknown } }
  | undefined

export class FakeSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readyState = 0
  /** Frames the client wrote, parsed. */
  readonly sent: Frame[] = []
  /** Set when the client closed the socket. */
  clientClose: { code?: number; reason?: string } | undefined
  private readonly listeners = new Map<string, Set<Listener>>()
  seq = 0

  constructor(
    readonly url: string,
    private readonly server: FakeServer,
  ) {}

  addEventListener(type: string, fn: Listener): void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(fn)
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn)
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error(`FakeSocket: send while readyState ${this.readyState}`)
    const frame = JSON.parse(data) as Frame
    this.sent.push(frame)
    this.server.onFrame(this, frame)
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return
    this.clientClose = { code, reason }
    const wasOpen = this.readyState === 1
    this.readyState = 2
    queueMicrotask(() => this.finish(wasOpen ? (code ?? 1005) : 1006, wasOpen ? (reason ?? '') : ''))
  }

  // ---- the server side ----

  dispatch(type: string, event: object): void {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn({ type, target: this, ...event })
  }

  /** The server accepts: the socket opens. */
  open(): void {
    this.readyState = 1
    this.dispatch('open', {})
  }

  /** The server sends a frame (events get a per-connection `seq` unless given one). */
  receive(frame: Frame | string): void {
    if (this.readyState !== 1) return
    if (
      typeof frame !== 'string' &&
      frame.type === 'event' &&
      frame.seq === undefined &&
      frame.event !== 'connect.challenge'
    )
      frame = { ...frame, seq: ++this.seq }
    this.dispatch('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }

  /** The server sends a compact lean delta `[seq, run, deltaText(, 1)]`, numbered like events. */
  lean(run: number, deltaText: string, replace = false): void {
    this.receive(JSON.stringify(replace ? [++this.seq, run, deltaText, 1] : [++this.seq, run, deltaText]))
  }

  /** The server sends a lean run head (`clawchat.run`). */
  head(run: number, runId: string, text: string, extra: { sessionKey?: string; replace?: true } = {}): void {
    this.receive({ type: 'event', event: 'clawchat.run', payload: { run, runId, sessionKey: 'main', text, ...extra } })
  }

  /** The server sends a `chat` event. */
  chat(payload: Record<string, unknown>): void {
    this.receive({ type: 'event', event: 'chat', payload: { sessionKey: 'main', seq: 1, ...payload } })
  }

  /** The server closes with `code`. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return
    this.finish(code, reason)
  }

  /** The connection fails (refused upgrade, network down): error, then close 1006. */
  fail(): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.dispatch('error', {})
    this.dispatch('close', { code: 1006, reason: '', wasClean: false })
  }

  /** Requests the client wrote, by method. */
  requests(method?: string): Frame[] {
    return this.sent.filter((f) => f.type === 'req' && (method === undefined || f.method === method))
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.dispatch('close', { code, reason, wasClean: code !== 1006 })
  }
}

export const SESSION: ClawChatSessionPayload = {
  user: { id: 'u1', name: 'Ada', role: 'user' },
  sessionKey: 'main',
  methods: ['chat.send', 'chat.history', 'chat.abort', 'sessions.list', 'sessions.reset'],
  limits: {
    maxPayload: 65536,
    messagesPerSecond: 20,
    userMessagesPerSecond: 40,
    connectionsPerUser: 5,
    outboundHighWaterMark: 1 << 20,
    maxLifetimeMs: 0,
  },
}

export function helloOk(policy: { maxPayload?: number; tickIntervalMs?: number } = {}) {
  return {
    type: 'hello-ok',
    protocol: 4,
    server: { version: 'test', connId: 'c1' },
    features: { methods: SESSION.methods, events: ['chat', 'agent', 'tick', 'clawchat.session', 'clawchat.gateway'] },
    snapshot: {
      presence: [],
      health: {},
      stateVersion: { presence: 0, health: 0 },
      uptimeMs: 1,
      sessionDefaults: { mainKey: 'main', mainSessionKey: 'main' },
    },
    auth: { role: 'operator', scopes: ['operator.read', 'operator.write'] },
    policy: {
      maxPayload: policy.maxPayload ?? 65536,
      maxBufferedBytes: 1 << 20,
      tickIntervalMs: policy.tickIntervalMs ?? 30_000,
    },
  }
}

export type Handler = (params: any, frame: Frame, socket: FakeSocket) => Answer

/** The scripted proxy. Change its fields between steps of a test. */
export class FakeServer {
  readonly sockets: FakeSocket[] = []
  /** `accept`: open and handshake; `refuse`: fail every new socket (1006); `hang`: never open. */
  mode: 'accept' | 'refuse' | 'hang' = 'accept'
  /** Answer `connect` (else the handshake hangs). */
  answerConnect = true
  /** Send `clawchat.session` after `hello-ok`. */
  sendSession = true
  policy: { maxPayload?: number; tickIntervalMs?: number } = {}
  session: ClawChatSessionPayload = SESSION
  handlers: Record<string, Handler> = {
    'chat.send': (p) => ({ payload: { runId: p.idempotencyKey, status: 'started' } }),
    'chat.history': (p) => ({ payload: { sessionKey: p.sessionKey, messages: [] } }),
    'chat.abort': (p) => ({ payload: { ok: true, aborted: true, runIds: p.runId ? [p.runId] : [] } }),
    'sessions.list': () => ({ payload: { count: 0, sessions: [] } }),
  }
  readonly WebSocket: new (url: string) => FakeSocket = socketClassOf(this)

  /** The newest socket. */
  get last(): FakeSocket {
    const s = this.sockets.at(-1)
    if (!s) throw new Error('no socket yet')
    return s
  }

  /** Every request frame on every socket, by method. */
  requests(method?: string): Frame[] {
    return this.sockets.flatMap((s) => s.requests(method))
  }

  onFrame(socket: FakeSocket, frame: Frame): void {
    if (frame.type !== 'req') return
    if (frame.method === 'connect') {
      if (!this.answerConnect) return
      socket.receive({ type: 'res', id: frame.id, ok: true, payload: helloOk(this.policy) } as Frame)
      if (this.sendSession) socket.receive({ type: 'event', event: 'clawchat.session', payload: this.session })
      return
    }
    const handler = this.handlers[frame.method!]
    const answer = handler
      ? handler(frame.params, frame, socket)
      : { error: { code: 'FORBIDDEN', message: `no handler for ${frame.method}` } }
    if (!answer) return
    socket.receive(
      'payload' in answer
        ? ({ type: 'res', id: frame.id, ok: true, payload: answer.payload } as Frame)
        : ({ type: 'res', id: frame.id, ok: false, error: answer.error } as Frame),
    )
  }

  /** Sends a chat event on the newest socket. */
  chat(payload: Record<string, unknown>): void {
    this.last.receive({ type: 'event', event: 'chat', payload: { sessionKey: 'main', seq: 1, ...payload } })
  }
}

/** The WebSocket class whose sockets `server` accepts, refuses or leaves hanging (its `mode` at creation). */
function socketClassOf(server: FakeServer): new (url: string) => FakeSocket {
  return class extends FakeSocket {
    constructor(url: string) {
      super(url, server)
      server.sockets.push(this)
      const mode = server.mode
      // Later than the constructor (as a browser's socket), but in a microtask: no timer, so a test on
      // fake timers connects without moving the clock.
      queueMicrotask(() => {
        if (this.readyState !== 0) return
        if (mode === 'refuse') this.fail()
        else if (mode === 'accept') {
          this.open()
          this.receive({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n-1', ts: Date.now() } })
        }
      })
    }
  }
}

export function createFakeServer(): FakeServer {
  return new FakeServer()
}

/** Small, fast backoff for tests. */
export const FAST = {
  initialDelayMs: 10,
  maxDelayMs: 40,
  factor: 2,
  jitter: 0,
  longDelayMs: 300,
  connectTimeoutMs: 2000,
}

export const URL_ = 'ws://127.0.0.1:1/clawchat'

/** A `fetch` for `GET <path>/session` that answers `status` and records the URLs asked. */
export function fakeFetch(status = 200) {
  const calls: string[] = []
  const fn = async (url: string) => {
    calls.push(url)
    return { status: fn.status }
  }
  fn.status = status
  fn.calls = calls
  return fn
}
