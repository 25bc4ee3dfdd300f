import session from 'express-session'
import createFileStore from 'session-file-store'
import { join } from 'node:path'

/** The session middleware and the store behind it. */
export interface DemoSessions {
  middleware: ReturnType<typeof session>
  store: session.Store
  /** Stops the store's timers. */
  close(): void
}

/** The cookie's name (not express-session's default, so two apps on one host don't clash). */
export const SESSION_COOKIE = 'clawchat.sid'

/**
 * The demo's express-session middleware on `store`, whichever store it is: an httpOnly, SameSite=Lax
 * cookie named {@link SESSION_COOKIE}, kept `ttlSeconds`.
 */
export function sessionMiddleware(
  store: session.Store,
  secret: string,
  ttlSeconds: number,
): ReturnType<typeof session> {
  return session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: ttlSeconds * 1000 },
  })
}

/**
 * express-session with a file store in `<dataDir>/sessions`: sessions survive a restart of the demo
 * (a memory store would log everyone out each time the proxy restarts).
 */
export function createSessions(dataDir: string, secret: string, ttlSeconds = 7 * 24 * 3600): DemoSessions {
  const FileStore = createFileStore(session)
  const store = new FileStore({
    path: join(dataDir, 'sessions'),
    ttl: ttlSeconds,
    retries: 0,
    reapInterval: 3600,
    logFn: () => {},
  })
  return {
    middleware: sessionMiddleware(store, secret, ttlSeconds),
    store,
    close() {
      const timer = (store as unknown as { options?: { reapIntervalObject?: NodeJS.Timeout } }).options
        ?.reapIntervalObject
      if (timer) clearInterval(timer)
    },
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The signed-in user (the shape `clawchatProxy`'s default `authenticate` reads). */
    user?: { id: string; name?: string; role?: 'user' | 'admin' }
  }
}
