/**
 * Calls `wake` when the page has a reason to believe a dead connection could work now: the browser
 * came back `online`, or the page became visible again. Outside a browser (no `window`/`document`)
 * it listens to nothing. Returns the function that stops listening.
 *
 * @example
 * const detach = onPageWake(() => socket.retryNow())
 * detach()
 */
export function onPageWake(wake: () => void): () => void {
  const g = globalThis as { window?: EventTarget; document?: EventTarget & { visibilityState?: string } }
  const { window: win, document: doc } = g
  const online = () => wake()
  const visible = () => {
    if (doc?.visibilityState !== 'hidden') wake()
  }
  win?.addEventListener?.('online', online)
  doc?.addEventListener?.('visibilitychange', visible)
  return () => {
    win?.removeEventListener?.('online', online)
    doc?.removeEventListener?.('visibilitychange', visible)
  }
}
