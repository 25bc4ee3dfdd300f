/**
 * Logout everywhere: the proxy re-reads, every `sessionCheckIntervalMs`, each app session that has
 * open sockets — one `store.get` per distinct session id, however many sockets share it, a bounded
 * number at a time — and closes the sockets of a session that was destroyed or has expired (or, with
 * the default `authenticate`, no longer holds their user) with 4401. A store that fails or does not
 * answer closes nothing: the check tries again next round.
 */

/** The part of an `express-session` store the proxy uses (every store has it). */
export interface SessionStoreLike {
  get(sessionId: string, callback: (error: unknown, session?: unknown) => void): void
}

/** One app session with open sockets. */
export interface WatchedSession {
  sessionId: string
  store: SessionStoreLike
  /** The users whose sockets were opened with this session (normally one). */
  userIds: readonly string[]
}

/** Options of {@link SessionWatcher}. */
export interface SessionWatcherOptions {
  /** Time between the starts of two rounds, ms. */
  intervalMs: number
  /** The sessions that have open sockets right now. */
  sessions(): Iterable<WatchedSession>
  /** Does the stored session still belong to this user? (Default: always.) */
  belongsTo?(session: Record<string, unknown>, userId: string): boolean
  /** The session ended for these users: close their sockets opened with it. */
  onEnded(sessionId: string, userIds: readonly string[], why: string): void
  /** A store read failed or timed out (called at most once per round). */
  onStoreError?(error: unknown): void
  /** Store reads in flight at once. Default 16. */
  concurrency?: number
  /** How long one store read may take, ms. Default: the interval, at least 1000. */
  timeoutMs?: number
  now?: () => number
}

/** What one round did. */
export interface SessionCheckRound {
  /** Store reads made (one per distinct session). */
  reads: number
  /** Sessions found ended for at least one user. */
  ended: number
  /** Reads that failed or timed out. */
  errors: number
}

/**
 * Is a stored session over? `'destroyed'` (the store has none: logged out, or expired and purged),
 * `'expired'` (its cookie's expiry is past), or `null` while it lives.
 *
 * @example
 * sessionEnded(undefined) // 'destroyed'
 * sessionEnded({ cookie: { expires: '2000-01-01T00:00:00.000Z' } }) // 'expired'
 */
export function sessionEnded(session: unknown, now = Date.now()): 'destroyed' | 'expired' | null {
  if (typeof session !== 'object' || session === null) return 'destroyed'
  const cookie = (session as { cookie?: { expires?: unknown } }).cookie
  const expires = cookie?.expires
  if (expires !== undefined && expires !== null && expires !== false) {
    const at =
      expires instanceof Date
        ? expires.getTime()
        : typeof expires === 'string' || typeof expires === 'number'
          ? new Date(expires).getTime()
          : NaN
    if (Number.isFinite(at) && at <= now) return 'expired'
  }
  return null
}

function readSession(store: SessionStoreLike, sessionId: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      reject(new Error(`the session store did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref?.()
    try {
      store.get(sessionId, (error, session) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        // Like express-session itself: a store that reports a missing session as ENOENT
        // (session-file-store does) means "no session", not "store down".
        if (error && (error as { code?: unknown }).code !== 'ENOENT') reject(error)
        else resolve(error ? undefined : session)
      })
    } catch (error) {
      settled = true
      clearTimeout(timer)
      reject(error)
    }
  })
}

/**
 * The periodic session check.
 *
 * @example
 * const watcher = new SessionWatcher({
 *   intervalMs: 4000,
 *   sessions: () => registry.sessions(),
 *   onEnded: (sid, users) => closeSockets(sid, users, 4401),
 * })
 * watcher.start()
 */
export class SessionWatcher {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<SessionCheckRound> | null = null
  private started = false
  private stopped = false

  constructor(private readonly opts: SessionWatcherOptions) {}

  /** Starts the rounds (the first one an interval from now). */
  start(): void {
    if (this.started || this.stopped) return
    this.started = true
    this.schedule(this.opts.intervalMs)
  }

  /** Stops for good; a round in progress finishes but closes nothing more. */
  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Runs one round now (or joins the one in progress). */
  check(): Promise<SessionCheckRound> {
    this.running ??= this.round().finally(() => {
      this.running = null
    })
    return this.running
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      const started = (this.opts.now ?? Date.now)()
      void this.check().then(() => {
        const elapsed = (this.opts.now ?? Date.now)() - started
        this.schedule(Math.max(0, this.opts.intervalMs - elapsed))
      })
    }, delayMs)
    this.timer.unref?.()
  }

  private ended(sessionId: string, userIds: readonly string[], why: string): void {
    try {
      this.opts.onEnded(sessionId, userIds, why)
    } catch {
      // Closing sockets must not stop the round.
    }
  }

  private async round(): Promise<SessionCheckRound> {
    const result: SessionCheckRound = { reads: 0, ended: 0, errors: 0 }
    const queue = [...this.opts.sessions()]
    const timeoutMs = this.opts.timeoutMs ?? Math.max(1000, this.opts.intervalMs)
    let firstError: unknown
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        result.reads += 1
        let session: unknown
        try {
          session = await readSession(next.store, next.sessionId, timeoutMs)
        } catch (error) {
          result.errors += 1
          firstError ??= error
          continue
        }
        if (this.stopped) return
        const over = sessionEnded(session, (this.opts.now ?? Date.now)())
        if (over) {
          result.ended += 1
          this.ended(
            next.sessionId,
            next.userIds,
            over === 'expired' ? 'session expired' : 'session ended (logged out or expired)',
          )
          continue
        }
        const belongsTo = this.opts.belongsTo
        const gone = belongsTo
          ? next.userIds.filter((userId) => !belongsTo(session as Record<string, unknown>, userId))
          : []
        if (gone.length > 0) {
          result.ended += 1
          this.ended(next.sessionId, gone, 'logged out')
        }
      }
    }
    const workers = Math.max(1, Math.min(this.opts.concurrency ?? 16, queue.length))
    await Promise.all(Array.from({ length: workers }, () => worker().catch(() => undefined)))
    if (firstError !== undefined && !this.stopped) {
      try {
        this.opts.onStoreError?.(firstError)
      } catch {
        // A reporting callback must not stop the rounds.
      }
    }
    return result
  }
}
