import type { ApprovalItem, QuestionItem } from '@clawchat/protocol'

/**
 * What a run is waiting for: an approval (a command the agent wants to run) or an answer to a
 * question; `null` when it is not waiting.
 *
 * @example
 * if (part.waiting?.on === 'approval') showApproval(part.waiting.approval)
 */
export type Waiting = { on: 'approval'; approval: ApprovalItem } | { on: 'question'; question: QuestionItem }

/** The changes seen while a list request was under way (they are newer than its answer). */
interface Listing<T> {
  readonly added: Map<string, T>
  readonly removed: Set<string>
}

/**
 * A pending list kept from events (`add` on `…requested`, `remove` on `…resolved`), replaced by a
 * fresh list from the server after a reconnect without losing what the events said meanwhile.
 * `changed` is called with the items whenever they change.
 *
 * @example
 * const approvals = new PendingList<ApprovalItem>((items) => events.emit('approvals', items))
 * approvals.add(item); approvals.remove(item.id)
 */
export class PendingList<T extends { id: string }> {
  readonly #items = new Map<string, T>()
  #listing: Listing<T> | undefined

  constructor(private readonly changed: (items: T[]) => void) {}

  /** The pending items, oldest first. */
  get items(): T[] {
    return [...this.#items.values()]
  }

  get(id: string): T | undefined {
    return this.#items.get(id)
  }

  add(item: T): void {
    this.#listing?.added.set(item.id, item)
    this.#listing?.removed.delete(item.id)
    this.#items.set(item.id, item)
    this.changed(this.items)
  }

  remove(id: string): void {
    this.#listing?.added.delete(id)
    this.#listing?.removed.add(id)
    if (this.#items.delete(id)) this.changed(this.items)
  }

  /**
   * Lists again with `list` (the server's current pending items): they replace what is kept, except
   * the items `keep` says to keep (those the list cannot show) and the events that came in while the
   * request was under way. A failed list changes nothing. A newer call wins over an older one.
   */
  async relist(list: () => Promise<T[]>, keep: (item: T) => boolean = () => false): Promise<void> {
    const listing: Listing<T> = { added: new Map(), removed: new Set() }
    this.#listing = listing
    let fresh: T[]
    try {
      fresh = await list()
    } catch {
      if (this.#listing === listing) this.#listing = undefined
      return
    }
    if (this.#listing !== listing) return
    this.#listing = undefined
    const next = new Map<string, T>()
    for (const item of this.#items.values()) if (keep(item)) next.set(item.id, item)
    for (const item of fresh) if (typeof item?.id === 'string') next.set(item.id, item)
    for (const item of listing.added.values()) next.set(item.id, item)
    for (const id of listing.removed) next.delete(id)
    const before = JSON.stringify(this.items)
    this.#items.clear()
    for (const [id, item] of next) this.#items.set(id, item)
    if (JSON.stringify(this.items) !== before) this.changed(this.items)
  }
}

/**
 * What the run `runId` waits for now, from the pending approvals and questions: the first approval
 * of the run, else its first question, else `null`.
 *
 * @example
 * waitingOf('run-1', approvals.items, questions.items) // { on: 'approval', approval } | … | null
 */
export function waitingOf(runId: string, approvals: ApprovalItem[], questions: QuestionItem[]): Waiting | null {
  const approval = approvals.find((a) => a.request?.runId === runId)
  if (approval) return { on: 'approval', approval }
  const question = questions.find((q) => q.runId === runId)
  return question ? { on: 'question', question } : null
}
