/**
 * `limits.userChatSendsPer5Min`: how many different `chat.send` keys one user may send upstream
 * within five minutes — the gateway's dedupe window.
 *
 * The gateway remembers `chat.send` idempotency keys in memory for 5 minutes, at most 1,000 for the
 * whole gateway: once a minute it drops the oldest finished ones past that count (openclaw 2026.9.6,
 * `DEDUPE_MAX`/`DEDUPE_TTL_MS`, measured in e2e/real-gateway). That cache is global, so without a
 * bound one user flooding `chat.send` pushes every other user's keys out of it, and a re-send of an
 * evicted key (after a lost answer) runs a second time. Bounded per user, one user holds at most
 * this many of the 1,000 entries. A re-send of a key already counted costs nothing (it makes no new
 * entry upstream).
 */

/** The gateway's dedupe window (`DEDUPE_TTL_MS`). */
export const DEDUPE_WINDOW_MS = 5 * 60 * 1000

/**
 * Counts each user's distinct `chat.send` keys over a sliding window.
 *
 * @example
 * const budget = new ChatSendBudget(100)
 * const waitMs = budget.take('u_42', 'browser-key-1') // 0: it may go; else retry in waitMs
 */
export class ChatSendBudget {
  /** Per user: key → when it was first sent, oldest first. */
  private readonly users = new Map<string, Map<string, number>>()
  private lastSweep: number
  private generated = 0

  constructor(
    readonly limit: number,
    private readonly windowMs = DEDUPE_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now()
  }

  /**
   * Charges `key` to `userId`: `0` when it may go (or was already charged within the window), else
   * the ms until the user's oldest key leaves the window. `key` undefined (the proxy makes one) is
   * always a new key.
   */
  take(userId: string, key: string | undefined): number {
    const now = this.now()
    this.sweep(now)
    let keys = this.users.get(userId)
    if (keys) this.expire(keys, now)
    if (key !== undefined && keys?.has(key)) return 0
    if (keys && keys.size >= this.limit) {
      const oldest = keys.values().next().value as number
      return Math.max(1, oldest + this.windowMs - now)
    }
    if (!keys) this.users.set(userId, (keys = new Map()))
    keys.set(key ?? `\0${++this.generated}`, now)
    return 0
  }

  /** Users with keys in the window (for tests and stats). */
  get size(): number {
    return this.users.size
  }

  private expire(keys: Map<string, number>, now: number): void {
    for (const [key, at] of keys) {
      if (now - at < this.windowMs) break
      keys.delete(key)
    }
  }

  /** Once per window: forgets users whose keys have all left it (memory stays bounded by active users). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return
    this.lastSweep = now
    for (const [userId, keys] of this.users) {
      this.expire(keys, now)
      if (keys.size === 0) this.users.delete(userId)
    }
  }
}

/** The browser's `idempotencyKey` of a `chat.send`'s params, when it sent one. */
export function chatSendKey(params: unknown): string | undefined {
  const key =
    typeof params === 'object' && params !== null ? (params as { idempotencyKey?: unknown }).idempotencyKey : undefined
  return typeof key === 'string' ? key : undefined
}
