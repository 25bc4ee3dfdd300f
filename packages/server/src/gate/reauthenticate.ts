/**
 * The login check of sockets without an app session. With `authenticate` alone — a JWT in a cookie or
 * an `Authorization` header, identity headers from an authenticating proxy — no session store can
 * say when the login ended, so every `sessionCheckIntervalMs` the proxy asks `authenticate` again, on
 * the socket's own upgrade request, and closes the socket with 4401 when it now answers nobody (an
 * expired token), throws, or names another user. One call in flight per socket: a slow
 * `authenticate` is skipped for that socket until it answered, never run twice at once.
 *
 * What is kept of the upgrade request (only for such sockets, and only while the check is on) is what
 * `authenticate` can read of it: the method, the url, the HTTP version, the header object Node already
 * made (by reference, not copied) and a small socket-like object with the peer's address. Not the
 * request itself: it holds the socket, its parser and buffers, and whatever the upgrade hung on it,
 * for as long as the socket lives.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { ProxyLog } from '../common/log.js'
import type { Authenticate, AuthenticateRequest, ResolvedOptions } from './options.js'

/** The peer as `authenticate` can read it from `req.socket` (or the older `req.connection`). */
export interface SavedPeer {
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
  readonly remoteFamily: string | undefined
  /** True over TLS (what `req.socket.encrypted` says). */
  readonly encrypted: boolean
}

/**
 * What the login check keeps of a socket's upgrade request, and hands `authenticate` (through a fresh
 * object per call whose prototype it is, so that what `authenticate` hangs on the request — a
 * `req.user` — goes with the call). There is no body, no stream and no `rawHeaders`.
 *
 * @example
 * const saved = new SavedUpgradeRequest(req)
 * saved.headers.authorization // 'Bearer eyJ…'
 * saved.socket.remoteAddress // '127.0.0.1'
 */
export class SavedUpgradeRequest {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly httpVersion: string
  /** The request's own header object (Node's `req.headers`), kept by reference. */
  readonly headers: IncomingHttpHeaders
  readonly socket: SavedPeer

  constructor(req: IncomingMessage) {
    this.method = req.method
    this.url = req.url
    this.httpVersion = req.httpVersion
    this.headers = req.headers
    const socket = req.socket as (IncomingMessage['socket'] & { encrypted?: boolean }) | undefined
    this.socket = Object.freeze({
      remoteAddress: socket?.remoteAddress,
      remotePort: socket?.remotePort,
      remoteFamily: socket?.remoteFamily,
      encrypted: socket?.encrypted === true,
    })
  }

  /** The socket under its older name. */
  get connection(): SavedPeer {
    return this.socket
  }

  /** Each header's values as a list (Node's `req.headersDistinct`), made from `headers` when read. */
  get headersDistinct(): Record<string, string[]> {
    const out: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(this.headers))
      if (value !== undefined) out[name] = Array.isArray(value) ? [...value] : [value]
    return out
  }
}

/**
 * Does this proxy re-check logins? Only when `authenticate` alone decides them (no `session` option)
 * and the check is on (`sessionCheckIntervalMs` > 0).
 *
 * @example
 * reauthenticates({ session: undefined, sessionCheckIntervalMs: 4000 }) // true
 */
export function reauthenticates(options: Pick<ResolvedOptions, 'session' | 'sessionCheckIntervalMs'>): boolean {
  return options.session === undefined && options.sessionCheckIntervalMs > 0
}

/** What the login check needs of an open connection. */
export interface ReauthenticatedConnection {
  readonly connId: string
  readonly userId: string
  /** The upgrade request to ask `authenticate` about again; `undefined` for a socket with an app session. */
  readonly upgradeRequest?: SavedUpgradeRequest | undefined
  /** True once the connection closed. */
  readonly isClosed?: boolean
}

/** Options of {@link startLoginCheck}. */
export interface LoginCheckOptions<C extends ReauthenticatedConnection> {
  /** Time between two rounds, ms. */
  intervalMs: number
  authenticate: Authenticate
  /** The open connections right now (those without `upgradeRequest` are skipped). */
  connections(): Iterable<C>
  /** The login behind `conn` ended: close it (4401) and audit why. */
  onEnded(conn: C, why: string): void
  log: ProxyLog
}

/** A running login check. */
export interface LoginCheck {
  /** Runs one round now: asks about every socket that has no call in flight. */
  round(): Promise<void>
  stop(): void
}

/** Connections asked about before the round gives the event loop a turn. */
const BATCH = 256

/** Why the answer ends the login, or `null` when it still names the socket's user. */
function endedBy(answer: unknown, userId: string): string | null {
  if (typeof answer !== 'object' || answer === null) return 'login expired'
  const id = (answer as { id?: unknown }).id
  if (id === userId) return null
  return typeof id === 'string' ? 'logged in as another user' : 'login expired'
}

/** What may be said of a thrown value: its class and code, never its message (it may quote a header). */
function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error
  const code = (error as { code?: unknown }).code
  const name = /^[\w$.-]{1,64}$/.test(error.name) ? error.name : 'Error'
  return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? `${name} ${code}` : name
}

/**
 * Starts the login check: every `intervalMs`, `authenticate` once more on each session-less socket's
 * upgrade request; one that now answers `null`, throws (logged once, as a warning naming only the
 * error's class), or names another user is ended.
 *
 * @example
 * const check = startLoginCheck({
 *   intervalMs: 4000,
 *   authenticate,
 *   connections: () => registry.list(),
 *   onEnded: (conn, why) => disconnects.endLogin(conn, why), // 4401 and a `session.ended` audit line
 *   log,
 * })
 * check.stop()
 */
export function startLoginCheck<C extends ReauthenticatedConnection>(opts: LoginCheckOptions<C>): LoginCheck {
  const inFlight = new WeakSet<C>()
  let stopped = false
  const check = async (conn: C, request: SavedUpgradeRequest): Promise<void> => {
    inFlight.add(conn)
    let why: string | null
    try {
      const answer = await opts.authenticate(Object.create(request) as AuthenticateRequest)
      why = endedBy(answer, conn.userId)
    } catch (error) {
      why = 'login could not be checked'
      if (!stopped && !conn.isClosed)
        opts.log.warn(
          `clawchat: authenticate threw (${errorKind(error)}) while re-checking an open socket's login; ` +
            'closing it as logged out',
          { connId: conn.connId },
        )
    } finally {
      inFlight.delete(conn)
    }
    if (why !== null && !stopped && !conn.isClosed) opts.onEnded(conn, why)
  }
  const round = async (): Promise<void> => {
    let asked = 0
    for (const conn of opts.connections()) {
      if (stopped) return
      const request = conn.upgradeRequest
      if (request === undefined || conn.isClosed || inFlight.has(conn)) continue
      void check(conn, request).catch(() => undefined)
      asked += 1
      if (asked % BATCH === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const timer = setInterval(() => void round(), opts.intervalMs)
  timer.unref?.()
  return {
    round,
    stop() {
      stopped = true
      clearInterval(timer)
    },
  }
}
