import { messageText } from '@clawchat/client'

/** Turns a first message into a short title: its first line, at most 48 characters. */
export function titleFromMessage(text: string): string {
  const line = text.trim().split('\n')[0]!.trim().replace(/\s+/g, ' ')
  return line.length > 48 ? `${line.slice(0, 47).trimEnd()}…` : line
}

type History = (sessionKey: string) => Promise<{ messages?: Array<{ role: string; content: unknown }> }>

/**
 * Titles of the user's sessions, from each session's first message. Sessions the gateway has no
 * title for get one from their history, once; titles are kept in localStorage per user so the
 * sidebar does not refetch them on every load. (Titles are the user's own words: `forget()` on
 * sign-out removes them from this browser.)
 */
export class SessionTitles {
  private readonly storageKey: string
  private titles: Record<string, string>
  private readonly pending = new Set<string>()

  constructor(
    userId: string,
    private readonly history: History,
  ) {
    this.storageKey = `clawchat.titles.${userId}`
    try {
      this.titles = JSON.parse(localStorage.getItem(this.storageKey) ?? '{}') as Record<string, string>
    } catch {
      this.titles = {}
    }
  }

  get(key: string): string | undefined {
    return this.titles[key]
  }

  /** Sets the title from the first message sent in a session, unless it has one. */
  remember(key: string, firstMessage: string): void {
    if (this.titles[key]) return
    const title = titleFromMessage(firstMessage)
    if (!title) return
    this.titles[key] = title
    this.save()
  }

  /** Derives missing titles from the sessions' histories (a few at a time); calls `onChange` after each. */
  async fill(keys: readonly string[], onChange: () => void): Promise<void> {
    const missing = keys.filter((k) => !this.titles[k] && !this.pending.has(k)).slice(0, 20)
    for (const key of missing) {
      this.pending.add(key)
      try {
        const { messages = [] } = await this.history(key)
        const first = messages.find((m) => m.role === 'user')
        const text = first ? messageText(first.content) : ''
        if (text) {
          this.titles[key] = titleFromMessage(text)
          this.save()
          onChange()
        }
      } catch {
        // no title this time; the sidebar shows a generic one
      } finally {
        this.pending.delete(key)
      }
    }
  }

  /** Removes this user's titles from the browser (on sign-out). */
  forget(): void {
    this.titles = {}
    try {
      localStorage.removeItem(this.storageKey)
    } catch {
      // storage unavailable: nothing kept
    }
  }

  private save(): void {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.titles))
    } catch {
      // storage full or unavailable: titles only live in memory
    }
  }
}
