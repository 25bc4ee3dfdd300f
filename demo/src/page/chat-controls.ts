import { byId } from './dom.js'

/** What the chat view's buttons and address bar do. */
export interface ChatControlHandlers {
  /** "New chat" (in the sidebar or the top bar). */
  newSession(): void
  /** A suggestion of the empty chat was clicked. */
  suggest(text: string): void
  /** The URL's `#chat=` changed. */
  followUrl(): void
  /** "Sign out". */
  signOut(): void
}

/**
 * Wires the chat view's buttons and the URL's hash to the page.
 * @returns a function that removes the listeners
 * @example
 * const off = wireChatControls({ newSession, suggest: (t) => composer.setText(t), followUrl, signOut })
 */
export function wireChatControls(on: ChatControlHandlers): () => void {
  const listening = new AbortController()
  const signal = listening.signal
  byId('new-session').addEventListener('click', () => on.newSession(), { signal })
  byId('new-session-wide').addEventListener('click', () => on.newSession(), { signal })
  byId('empty').addEventListener(
    'click',
    (e) => {
      const chip = (e.target as HTMLElement).closest<HTMLElement>('[data-suggest]')
      if (chip?.dataset.suggest) on.suggest(chip.dataset.suggest)
    },
    { signal },
  )
  window.addEventListener('hashchange', () => on.followUrl(), { signal })
  byId('logout').addEventListener('click', () => on.signOut(), { signal })
  return () => listening.abort()
}
