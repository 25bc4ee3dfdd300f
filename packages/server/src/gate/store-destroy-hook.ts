/**
 * Logout at once, without the app's help: every way express-session ends a session in this process
 * — `req.session.destroy()`, `req.session.regenerate()` (which destroys the old id), `unset:
 * 'destroy'` — goes through its store's `destroy(sid, callback)`. The proxy wraps that method on
 * each store it sees, once per store however many proxies share it, and hears of each session the
 * store has destroyed (in the callback, once the store reports success). The wrapper calls the
 * original with the same `this`, id and extra arguments, hands the original's callback arguments
 * and return value back unchanged, and never lets a listener's error reach the store or the app.
 *
 * Not seen here: a destroy in another process (another instance, a script), and expiry — the
 * periodic session check (and, with `coordination`, Redis keyspace events) covers those.
 */
import type { SessionStoreLike } from './session-check.js'

/** Told the id of each session the store destroyed. */
export type DestroyListener = (sessionId: string) => void

type Destroy = (this: unknown, sessionId: unknown, callback?: unknown, ...rest: unknown[]) => unknown

/** The listeners of each wrapped store (the wrapper stays for the store's life; with none, it only passes through). */
const wrapped = new WeakMap<object, Set<DestroyListener>>()

/**
 * Calls `listener` with the id of every session `store` destroys from now on; answers the function
 * that stops it, or `null` when the store cannot be watched (no `destroy` method, or one that
 * cannot be replaced — such a store still has the periodic check).
 *
 * @example
 * const stop = watchStoreDestroy(req.sessionStore, (sid) => proxy.disconnectSession(sid))
 * // … later
 * stop?.()
 */
export function watchStoreDestroy(store: SessionStoreLike, listener: DestroyListener): (() => void) | null {
  const listeners = wrapped.get(store) ?? wrap(store)
  if (!listeners) return null
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

function wrap(sessionStore: SessionStoreLike): Set<DestroyListener> | null {
  const store = sessionStore as SessionStoreLike & { destroy?: unknown }
  const original = store.destroy
  if (typeof original !== 'function') return null
  const listeners = new Set<DestroyListener>()
  const tell = (sessionId: string) => {
    for (const listener of [...listeners]) {
      try {
        listener(sessionId)
      } catch {
        // A listener must never break the store or the app's logout.
      }
    }
  }
  const destroy: Destroy = function (this: unknown, sessionId, callback, ...rest) {
    const done = function (this: unknown, error?: unknown, ...results: unknown[]): unknown {
      // A store that reports a missing session as ENOENT (session-file-store) destroyed nothing, but it is gone.
      const gone = !error || (error as { code?: unknown }).code === 'ENOENT'
      if (gone && typeof sessionId === 'string') tell(sessionId)
      return typeof callback === 'function'
        ? (callback as (...args: unknown[]) => unknown).call(this, error, ...results)
        : undefined
    }
    return (original as Destroy).call(this, sessionId, done, ...rest)
  }
  try {
    store.destroy = destroy
  } catch {
    return null
  }
  if (store.destroy !== destroy) return null
  wrapped.set(store, listeners)
  return listeners
}
