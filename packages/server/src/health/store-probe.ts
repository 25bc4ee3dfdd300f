/**
 * Does a session store answer? One `store.get` of a fixed id that no session has: a miss (or any
 * session) is an answer; an error, a throw, or no answer within the bound is `unreachable`. Probes
 * that arrive while a read is in flight share it, so a store that hangs holds one read per bound,
 * not one per probe.
 */
import type { SessionStoreLike } from '../gate/session-check.js'

/** The id read from the store: no session has it, and a store that logs its reads shows what asked. */
export const STORE_PROBE_ID = 'clawchat-readiness-probe'

/** How long a store read may take before the store counts as unreachable, ms. */
export const STORE_PROBE_TIMEOUT_MS = 2000

/** What one probe found: the store answered, or why it counts as unreachable (no error text: it may hold a URL). */
export type StoreProbeResult = { ok: true } | { ok: false; why: 'timeout' | 'error' }

/** One store read, bounded: resolves, never rejects. */
function readOnce(store: SessionStoreLike, timeoutMs: number): Promise<StoreProbeResult> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (result: StoreProbeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => settle({ ok: false, why: 'timeout' }), timeoutMs)
    timer.unref?.()
    try {
      store.get(STORE_PROBE_ID, (error) => settle(error ? { ok: false, why: 'error' } : { ok: true }))
    } catch {
      settle({ ok: false, why: 'error' })
    }
  })
}

/**
 * Probes session stores, one read in flight per store at most.
 *
 * @example
 * const probe = new StoreProbe(2000)
 * const result = await probe.check(req.sessionStore) // { ok: true } or { ok: false, why: 'timeout' }
 */
export class StoreProbe {
  private readonly inFlight = new Map<SessionStoreLike, Promise<StoreProbeResult>>()

  constructor(readonly timeoutMs: number = STORE_PROBE_TIMEOUT_MS) {}

  /** Reads the probe id from `store` within the bound (or joins the read already in flight). */
  check(store: SessionStoreLike): Promise<StoreProbeResult> {
    const running = this.inFlight.get(store)
    if (running) return running
    const read = readOnce(store, this.timeoutMs).finally(() => this.inFlight.delete(store))
    this.inFlight.set(store, read)
    return read
  }
}
