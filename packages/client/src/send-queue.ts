/** Something that can wait in a {@link SendQueue}: `seq` is its place in call order. */
export interface Queued {
  readonly seq: number
}

/**
 * The bounded queue of requests waiting for a connection (or, for `chat.send`, for the gateway).
 * Kept in call order: a `chat.send` that was in flight at a disconnect goes back to its own place,
 * ahead of everything called after it.
 *
 * @example
 * const q = new SendQueue<Pending>(100)
 * if (!q.push(p)) reject(new ClawChatRequestError(...'QUEUE_FULL'...))
 * for (const p of q.drain()) write(p)
 */
export class SendQueue<T extends Queued> {
  #items: T[] = []

  constructor(readonly limit: number) {}

  /** Adds a new request; false when the queue is full. */
  push(item: T): boolean {
    if (this.#items.length >= this.limit) return false
    this.#insert(item)
    return true
  }

  /** Puts back a request that was already admitted once (never refused for space). */
  requeue(item: T): void {
    if (!this.#items.includes(item)) this.#insert(item)
  }

  /** Removes `item`; true when it was waiting. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item)
    if (i >= 0) this.#items.splice(i, 1)
    return i >= 0
  }

  /** Empties the queue, returning what waited (in call order) that `keep` accepts; the rest stays queued. */
  drain(keep: (item: T) => boolean = () => true): T[] {
    const out = this.#items.filter(keep)
    this.#items = this.#items.filter((item) => !keep(item))
    return out
  }

  #insert(item: T): void {
    let i = this.#items.length
    while (i > 0 && this.#items[i - 1]!.seq > item.seq) i--
    this.#items.splice(i, 0, item)
  }
}
