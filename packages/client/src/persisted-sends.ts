import type { ChatSendResult } from '@clawchat/protocol'
import type { SentParams } from './run-recovery.js'

/**
 * The part of the Web Storage API the persisted send queue uses (`sessionStorage` and
 * `localStorage` fit).
 *
 * @example
 * new ClawChat({ persist: { storage: sessionStorage } })
 */
export interface SendStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/**
 * Option `persist` of `new ClawChat()`: keep every `chat.send` not yet acknowledged in `storage`
 * under `key`, so that a new client (after a reload) sends it — once, with the same key.
 *
 * @example
 * new ClawChat({ persist: { storage: sessionStorage, key: 'chat.sends' } })
 */
export interface PersistOptions {
  storage: SendStorage
  /** Default {@link PERSIST_KEY}. */
  key?: string
}

/**
 * The default storage key of the persisted send queue.
 *
 * @example
 * sessionStorage.getItem(PERSIST_KEY) // '[{"params":{…},"user":"u1"}]'
 */
export const PERSIST_KEY = 'clawchat.sends'

/**
 * A `chat.send` a new client found in storage and sends once it is ready (after looking in the
 * history: a message already stored is not sent again). `result` settles like `send()`'s promise.
 *
 * @example
 * for (const r of chat.restored) showPending(r.sessionKey, r.message, r.runId)
 */
export interface RestoredSend {
  runId: string
  sessionKey: string
  message: string
  result: Promise<ChatSendResult>
}

/** One stored send: its params, and the user who sent it when known then. */
export interface StoredSend {
  params: SentParams
  user?: string
}

const isSent = (v: unknown): v is SentParams => {
  const p = v as SentParams | null
  return typeof p?.sessionKey === 'string' && typeof p.message === 'string' && typeof p.idempotencyKey === 'string'
}

/**
 * The stored `chat.send`s: written at each change, read once at start. A storage that fails
 * (full, blocked) loses the persistence, never a send.
 *
 * @example
 * const sends = new PersistedSends({ storage: sessionStorage, key: PERSIST_KEY }, () => user?.id)
 * sends.put(params); sends.remove(params.idempotencyKey)
 */
export class PersistedSends {
  readonly #items = new Map<string, StoredSend>()

  constructor(
    private readonly o: Required<PersistOptions>,
    private readonly user: () => string | undefined,
  ) {
    let stored: unknown
    try {
      stored = JSON.parse(o.storage.getItem(o.key) ?? '[]')
    } catch {
      stored = []
    }
    for (const s of Array.isArray(stored) ? (stored as StoredSend[]) : [])
      if (isSent(s?.params)) this.#items.set(s.params.idempotencyKey, s)
  }

  /** What was stored when this client started (read before anything is put). */
  get items(): StoredSend[] {
    return [...this.#items.values()]
  }

  /** Sends each stored send again with `send` (what the page is told: `chat.restored`). */
  restore(send: (params: SentParams) => Promise<unknown>): RestoredSend[] {
    return this.items.map(({ params }) => {
      const result = send(params) as Promise<ChatSendResult>
      result.catch(() => {}) // the page may never look at it
      return { runId: params.idempotencyKey, sessionKey: params.sessionKey, message: params.message, result }
    })
  }

  /** Keeps a send until it is answered or refused; a `chat.close()` keeps it for the next client. */
  keep(params: SentParams, promise: Promise<unknown>): void {
    this.put(params)
    const id = params.idempotencyKey
    promise.then(
      () => this.remove(id),
      (err: { reason?: unknown }) => err?.reason !== 'closed' && this.remove(id),
    )
  }

  /** The first connection is ready as `user`: the ids of stored sends of another user (the rest now say `user`). */
  othersOf(user: string | undefined): string[] {
    const others = this.items.filter((s) => s.user !== undefined && s.user !== user)
    for (const s of this.items) if (!others.includes(s)) this.put(s.params)
    return others.map((s) => s.params.idempotencyKey)
  }

  put(params: SentParams): void {
    const user = this.user() ?? this.#items.get(params.idempotencyKey)?.user
    this.#items.set(params.idempotencyKey, user === undefined ? { params } : { params, user })
    this.#write()
  }

  remove(id: string): void {
    if (this.#items.delete(id)) this.#write()
  }

  #write(): void {
    try {
      this.o.storage.setItem(this.o.key, JSON.stringify([...this.#items.values()]))
    } catch {
      // Full or blocked: the sends still go, they just do not survive a reload.
    }
  }
}
