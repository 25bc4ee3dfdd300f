/**
 * The composer's unsent text, per session, in sessionStorage: a reload or a switch to another chat
 * and back keeps what the user was typing; closing the tab forgets it. Per user; `forget()` on
 * sign-out removes them (they are the user's own words).
 *
 * @example
 * const drafts = new ComposerDrafts('alice')
 * drafts.set('main', 'half a thought')
 * drafts.get('main') // 'half a thought'
 */
export class ComposerDrafts {
  private readonly prefix: string

  constructor(userId: string) {
    this.prefix = `clawchat.draft.${userId}.`
  }

  get(sessionKey: string): string {
    try {
      return sessionStorage.getItem(this.prefix + sessionKey) ?? ''
    } catch {
      return ''
    }
  }

  /** Keeps `text` as the draft of `sessionKey` (an empty or blank text removes it). */
  set(sessionKey: string, text: string): void {
    try {
      if (text.trim() === '') sessionStorage.removeItem(this.prefix + sessionKey)
      else sessionStorage.setItem(this.prefix + sessionKey, text)
    } catch {
      // storage full or unavailable: the draft lives only in the box
    }
  }

  /** Removes every draft of this user from the tab (on sign-out). */
  forget(): void {
    try {
      const keys: string[] = []
      for (let i = 0; i < sessionStorage.length; i++) {
        const key = sessionStorage.key(i)
        if (key?.startsWith(this.prefix)) keys.push(key)
      }
      for (const key of keys) sessionStorage.removeItem(key)
    } catch {
      // storage unavailable: nothing kept
    }
  }
}
