/**
 * Logout, watched two ways for a proxy's open sockets: every session store the gate has seen is
 * hooked, so a session destroyed through it in this process (`req.session.destroy()`, `regenerate()`)
 * closes its sockets at once; and the logout check re-reads the sessions with open sockets every
 * `sessionCheckIntervalMs` (see `session-check.ts`), for sessions ended elsewhere. (Other instances
 * hear of a destroy through Redis keyspace events or their own check: publishing every login's
 * `regenerate` would cost each of them a digest of every session it holds.) Sockets opened without an
 * app session (a proxy with `authenticate` alone: a JWT, identity headers) are checked by asking
 * `authenticate` again on their upgrade request, at the same interval (see `reauthenticate.ts`).
 */
import type { ConnectionRegistry } from '../connection/registry.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { isRecord } from '../common/records.js'
import type { ResolvedOptions } from './options.js'
import { defaultAuthenticate } from './options.js'
import { reauthenticates, startLoginCheck, type ReauthenticatedConnection } from './reauthenticate.js'
import { SessionWatcher, type SessionStoreLike, type WatchedSession } from './session-check.js'
import { watchStoreDestroy } from './store-destroy-hook.js'

/** What the logout watch needs of an open connection (`upgradeRequest`: for the login check). */
export interface WatchedConnection extends ReauthenticatedConnection {
  readonly connId: string
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: SessionStoreLike | undefined
}

/** What the logout watch needs. */
export interface LogoutWatchDeps<C extends WatchedConnection = WatchedConnection> {
  options: Pick<ResolvedOptions, 'sessionCheckIntervalMs' | 'authenticate' | 'session'>
  registry: ConnectionRegistry<C>
  log: ProxyLog
  /** Closes the sockets of an ended app session (of `userIds` only, when given). */
  endSession(sessionId: string, why: string, userIds?: readonly string[]): void
  /**
   * Closes one socket whose login `authenticate` no longer confirms (4401, an audit line). Without it
   * (or with a `session` option) logins are not re-checked.
   */
  endLogin?(conn: C, why: string): void
}

/** A running logout watch. */
export interface LogoutWatch {
  /** Hooks a session store the gate met (once per store). */
  watchStore(store: SessionStoreLike | undefined): void
  /** Stops the check and unhooks every store. */
  stop(): void
}

/** The app sessions with open sockets, each with its store and users: what the logout check reads. */
function watchedSessions(registry: ConnectionRegistry<WatchedConnection>): WatchedSession[] {
  const out: WatchedSession[] = []
  for (const sessionId of registry.sessionIds()) {
    const conns = registry.forSession(sessionId)
    const store = conns.find((c) => c.sessionStore !== undefined)?.sessionStore
    if (store) out.push({ sessionId, store, userIds: [...new Set(conns.map((c) => c.userId))] })
  }
  return out
}

/** The user id the default `authenticate` would find in a stored session. */
function sessionUserId(session: Record<string, unknown>): unknown {
  return isRecord(session.user) ? session.user.id : undefined
}

/** The periodic logout check (none when `sessionCheckIntervalMs` is 0), started. */
function startSessionCheck<C extends WatchedConnection>(deps: LogoutWatchDeps<C>): SessionWatcher | undefined {
  const { options, registry, log } = deps
  if (options.sessionCheckIntervalMs <= 0) return undefined
  const usesDefaultAuthenticate = options.authenticate === defaultAuthenticate
  const watcher = new SessionWatcher({
    intervalMs: options.sessionCheckIntervalMs,
    sessions: () => watchedSessions(registry),
    // With the default authenticate, a session that no longer holds the socket's user is a logout too.
    belongsTo: usesDefaultAuthenticate ? (session, userId) => sessionUserId(session) === userId : undefined,
    onEnded: (sessionId, userIds, why) => deps.endSession(sessionId, why, userIds),
    onStoreError(error) {
      log.warn(
        `clawchat: the logout check could not read the session store (${messageOf(error)}); ` +
          'sockets stay open, retrying next round',
      )
    },
  })
  watcher.start()
  return watcher
}

/** The login check of the sockets opened without an app session, when this proxy has one. */
function startLogins<C extends WatchedConnection>(deps: LogoutWatchDeps<C>): { stop(): void } | undefined {
  const { options, registry, log, endLogin } = deps
  if (!endLogin || !reauthenticates(options)) return undefined
  return startLoginCheck({
    intervalMs: options.sessionCheckIntervalMs,
    authenticate: options.authenticate,
    connections: () => registry.list(),
    onEnded: endLogin,
    log,
  })
}

/**
 * Starts watching for logouts (and, for sockets without an app session, for logins that ended).
 *
 * @example
 * const logouts = startLogoutWatch({ options: opts, registry, log, endSession })
 * logouts.watchStore(req.sessionStore) // after the gate admitted an upgrade
 * logouts.stop() // on close
 */
export function startLogoutWatch<C extends WatchedConnection>(deps: LogoutWatchDeps<C>): LogoutWatch {
  const watcher = startSessionCheck(deps)
  const logins = startLogins(deps)
  const storeWatches = new Map<SessionStoreLike, (() => void) | null>()
  let stopped = false
  const sessionDestroyed = (sessionId: string): void => {
    if (!stopped && deps.registry.forSession(sessionId).length > 0) deps.endSession(sessionId, 'logged out')
  }
  return {
    watchStore(store) {
      if (store && !stopped && !storeWatches.has(store))
        storeWatches.set(store, watchStoreDestroy(store, sessionDestroyed))
    },
    stop() {
      stopped = true
      watcher?.stop()
      logins?.stop()
      for (const stop of storeWatches.values()) stop?.()
      storeWatches.clear()
    },
  }
}
