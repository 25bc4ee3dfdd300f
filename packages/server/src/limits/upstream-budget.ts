/**
 * The bytes the proxy holds for the gateway: what a slow gateway (or a slow network in front of
 * it) cannot take yet must not pile up in the proxy's memory without end. Every relayed request
 * holds its frame's size from the moment it is relayed until it is answered (or fails, times out,
 * is cancelled); a user may hold at most `upstreamBytesPerUser`, everybody together at most
 * `upstreamBytesTotal`. The total also counts the bytes still queued on the link's socket — a
 * request that timed out no longer waits for its answer, but its bytes may still wait to be written.
 * Past a bound the request is refused at once (never queued): the connection answers
 * `RATE_LIMITED` (the user's own share) or `UNAVAILABLE` (the proxy's), both retryable.
 */

/** Why {@link UpstreamBudget.reserve} refused: whose bound, what is held and the bound. */
export interface UpstreamRefusal {
  /** `user`: this user's share is used up; `total`: the proxy's. */
  scope: 'user' | 'total'
  /** Bytes held in that scope before this request. */
  heldBytes: number
  /** The bound of that scope. */
  limitBytes: number
}

/** Gives a reservation back; calling it again does nothing. */
export type UpstreamRelease = () => void

/**
 * Bytes in flight toward the gateway, per user and in total.
 *
 * @example
 * const budget = new UpstreamBudget({ perUser: 4 << 20, total: 64 << 20 }, () => link.queuedBytes)
 * const held = budget.reserve('alice', frameBytes)
 * if (typeof held !== 'function') return refuse(held.scope)   // RATE_LIMITED or UNAVAILABLE
 * try { await link.request(method, params) } finally { held() }
 */
export class UpstreamBudget {
  private readonly users = new Map<string, number>()
  private inFlight = 0

  /**
   * @param limits `perUser` and `total` bytes (see `limits.upstreamBytesPerUser` / `upstreamBytesTotal`).
   * @param queued bytes written to the link but not yet taken by the socket (0 when unknown).
   */
  constructor(
    private readonly limits: { readonly perUser: number; readonly total: number },
    private readonly queued: () => number = () => 0,
  ) {}

  /** Holds `bytes` for `userId`: answers the release, or why not. */
  reserve(userId: string, bytes: number): UpstreamRelease | UpstreamRefusal {
    const mine = this.users.get(userId) ?? 0
    if (mine + bytes > this.limits.perUser) return { scope: 'user', heldBytes: mine, limitBytes: this.limits.perUser }
    const all = this.heldBytes
    if (all + bytes > this.limits.total) return { scope: 'total', heldBytes: all, limitBytes: this.limits.total }
    this.users.set(userId, mine + bytes)
    this.inFlight += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      this.inFlight -= bytes
      const left = (this.users.get(userId) ?? bytes) - bytes
      if (left > 0) this.users.set(userId, left)
      else this.users.delete(userId)
    }
  }

  /** Bytes of requests relayed and not yet answered. */
  get inFlightBytes(): number {
    return this.inFlight
  }

  /** Bytes still queued on the link's socket. */
  get queuedBytes(): number {
    return this.queued()
  }

  /** What the total bound is judged on: the larger of the two (queued bytes are mostly in-flight ones). */
  get heldBytes(): number {
    return Math.max(this.inFlight, this.queued())
  }

  /** Bytes `userId` holds. */
  userBytes(userId: string): number {
    return this.users.get(userId) ?? 0
  }
}
