import type { Clock } from '../../src/clock.js'

/**
 * A {@link Clock} the test moves by hand: nothing fires until `advance()`, and then every timer due
 * fires in order of its time (timers set while advancing fire too, when they fall due in the window).
 */
export class FakeClock implements Clock {
  now = 0
  #next = 1
  readonly #timers = new Map<number, { at: number; fn: () => void }>()

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++
    this.#timers.set(id, { at: this.now + Math.max(0, ms), fn })
    return id
  }

  clearTimeout(id: unknown): void {
    this.#timers.delete(id as number)
  }

  /** Moves time on by `ms`, firing what falls due. */
  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.#timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
      if (!due) break
      this.#timers.delete(due[0])
      this.now = due[1].at
      due[1].fn()
    }
    this.now = end
  }

  /** How long until each pending timer fires, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b)
  }
}
