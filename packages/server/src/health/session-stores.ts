/**
 * The session stores readiness probes: the ones the proxy has met. The proxy is never handed its
 * store — option `session` is the app's middleware, which keeps its store to itself — so it learns
 * it from the requests: at each upgrade the gate admits (`req.sessionStore`, set by the `session`
 * middleware the gate runs) and from the HTTP requests passing the proxy's middleware when the
 * app's `express-session` ran before it.
 *
 * Until one is met, the check reads `unknown yet`, which does not make the proxy unready: a probe
 * that waited for a store would keep every request away, and so keep the store from ever being met.
 * Without option `session` (an `authenticate` of the app's own) the proxy reads no store, and the
 * check reads `not used`.
 */
import type { SessionStoreLike } from '../gate/session-check.js'

/** More stores than this are not followed (an app has one; more would be a mistake, not a need). */
const MAX_STORES = 8

/** A store-like value: what express-session puts on `req.sessionStore`. */
function asStore(value: unknown): SessionStoreLike | undefined {
  const get = (value as { get?: unknown } | null | undefined)?.get
  return typeof get === 'function' ? (value as SessionStoreLike) : undefined
}

/**
 * The session stores met so far.
 *
 * @example
 * const stores = new SessionStores(opts.session !== undefined)
 * stores.learnFrom(req)                // in the middleware
 * stores.seen(gateResult.sessionStore) // at an upgrade
 * stores.list()                        // what readiness probes
 */
export class SessionStores {
  private readonly stores = new Set<SessionStoreLike>()

  /** @param used whether option `session` is set: without it, the proxy reads no store. */
  constructor(readonly used: boolean) {}

  /** A store met at an upgrade (or anywhere else); `undefined` and non-stores are ignored. */
  seen(store: unknown): void {
    const found = asStore(store)
    if (!this.used || !found || this.stores.has(found) || this.stores.size >= MAX_STORES) return
    this.stores.add(found)
  }

  /** Learns the store express-session set on a request that ran before the proxy's middleware. */
  learnFrom(req: object): void {
    this.seen((req as { sessionStore?: unknown }).sessionStore)
  }

  /** The stores met, in the order they were. */
  list(): SessionStoreLike[] {
    return [...this.stores]
  }
}
