/**
 * The timers the SDK runs on. Injected into the reconnect manager and the request manager so that
 * tests drive time themselves; {@link systemClock} looks the global timers up at each call, so
 * `vi.useFakeTimers()` works on a whole `ClawChat` too.
 *
 * @example
 * const clock: Clock = { setTimeout: (fn, ms) => queue.push({ fn, at: now + ms }), clearTimeout: (id) => drop(id) }
 */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

/**
 * The global `setTimeout`/`clearTimeout`.
 *
 * @example
 * new RequestTracker(hooks, systemClock)
 */
export const systemClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
}

/**
 * One named timer: setting it again cancels the previous one.
 *
 * @example
 * const heartbeat = new Alarm(systemClock)
 * heartbeat.set(75_000, () => socket.restart('no heartbeat'))
 * heartbeat.clear()
 */
export class Alarm {
  #id: unknown

  constructor(private readonly clock: Clock) {}

  /** Fires `fn` after `ms`, instead of whatever was set before. */
  set(ms: number, fn: () => void): void {
    this.clear()
    this.#id = this.clock.setTimeout(() => {
      this.#id = undefined
      fn()
    }, ms)
  }

  /** Cancels the timer (nothing happens when none is set). */
  clear(): void {
    if (this.#id !== undefined) this.clock.clearTimeout(this.#id)
    this.#id = undefined
  }
}
