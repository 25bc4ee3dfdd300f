/**
 * Which replies of a session were stopped, so a reload shows them as they were: the gateway keeps a
 * stopped reply in its history like any other (`stopReason: "stop"`, no run id through the proxy);
 * only the session's `abortedLastRun` tells, and only for its last run.
 *
 * Kept in localStorage per user: for each stop, the session, the run, and a hash and the length of
 * the question and of the reply's text (the gateway's `aborted` event text, or what was on screen
 * if that event never came). No text is stored, so nothing has to be wiped at sign-out.
 */

interface Entry {
  /** Session key. */
  s: string
  /** The run's id (the browser's idempotencyKey). */
  r: string
  /** Hash of the question. */
  q: string
  /** Length of the reply's text, and its hash. */
  n: number
  t: string
  /** True when the text is the gateway's own (`aborted` event): the history holds exactly it. */
  g: boolean
}

const MAX_ENTRIES = 500

/** cyrb53: a fast 53-bit string hash, to recognise a text again (not to hide it from anyone). */
function hash(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/**
 * @example
 * const stopped = new StoppedReplies('alice')
 * stopped.remember({ sessionKey: 'main', runId, question: 'hi', text: 'Hel', fromGateway: false })
 * const match = stopped.matcher('main')
 * match('hi', 'Hello') // → 'Hel': show this, marked stopped
 */
export class StoppedReplies {
  private readonly storageKey: string

  constructor(userId: string) {
    this.storageKey = `clawchat.stopped.${userId}`
  }

  /**
   * Records (or corrects, for the same run) a stopped reply. An empty text is not kept: the history
   * has no reply then.
   */
  remember(p: { sessionKey: string; runId: string; question: string; text: string; fromGateway: boolean }): void {
    const entries = this.read().filter((e) => !(e.s === p.sessionKey && e.r === p.runId))
    if (p.text !== '')
      entries.push({
        s: p.sessionKey,
        r: p.runId,
        q: hash(p.question),
        n: p.text.length,
        t: hash(p.text),
        g: p.fromGateway,
      })
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(entries.slice(-MAX_ENTRIES)))
    } catch {
      // storage full or unavailable: the mark lasts until the reload
    }
  }

  /**
   * For one showing of a session's history, in order: a function that, given an assistant reply, the
   * question before it and the reply's run id (when the proxy names it), returns the text to show when
   * that reply was stopped here (the history's text, or the part of it that was on screen), else
   * `undefined`. Without a run id a stop is recognised by its question and text; each marks one reply.
   */
  matcher(sessionKey: string): (question: string, text: string, runId?: string) => string | undefined {
    const unused = this.read().filter((e) => e.s === sessionKey)
    const shownPart = (e: Entry, text: string) =>
      !e.g && e.n <= text.length && e.t === hash(text.slice(0, e.n)) ? text.slice(0, e.n) : text
    return (question, text, runId) => {
      if (unused.length === 0) return undefined
      let i: number
      if (runId !== undefined) i = unused.findIndex((e) => e.r === runId)
      else {
        const q = hash(question)
        i = unused.findIndex(
          (e) =>
            e.q === q &&
            (e.g ? e.n === text.length && e.t === hash(text) : e.n <= text.length && e.t === hash(text.slice(0, e.n))),
        )
      }
      if (i < 0) return undefined
      const [entry] = unused.splice(i, 1)
      return shownPart(entry!, text)
    }
  }

  private read(): Entry[] {
    try {
      const raw = JSON.parse(localStorage.getItem(this.storageKey) ?? '[]') as unknown
      return Array.isArray(raw) ? raw.filter(isEntry) : []
    } catch {
      return []
    }
  }
}

function isEntry(e: unknown): e is Entry {
  const x = e as Partial<Entry> | null
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.s === 'string' &&
    typeof x.r === 'string' &&
    typeof x.q === 'string' &&
    typeof x.n === 'number' &&
    typeof x.t === 'string' &&
    typeof x.g === 'boolean'
  )
}
