import type { ClawChat } from '@clawchat/client'
import type { ConnectionBanner, ConnectionState } from './connection-banner.js'

/** What the page does when the connection changes. */
export interface ConnectionHandlers {
  /** The server closed the connection because the user's session ended. */
  loggedOut(): void
  /** The connection is open (again). */
  open(): void
  /** The SDK missed events while away: reload what is on screen. */
  resync(): void
}

/**
 * Shows the SDK's connection state and the proxy's gateway reports in the banner, and tells the
 * page when to reload or sign out.
 * @returns the functions that stop listening
 * @example
 * const offs = watchConnection(chat, new ConnectionBanner(), { loggedOut, open: load, resync: load })
 */
export function watchConnection(chat: ClawChat, banner: ConnectionBanner, on: ConnectionHandlers): Array<() => void> {
  const offs = [
    chat.on('state', (change) => {
      const { state, reason } = change as { state: ConnectionState; reason?: string }
      if (state === 'closed') {
        if (reason === 'logged-out') on.loggedOut()
        else if (reason === 'auth-failed') banner.show('closed', 'The gateway refused this page’s credentials.')
        else banner.show('closed')
        return
      }
      banner.show(state)
      if (state === 'open') on.open()
    }),
    chat.on('resync', () => on.resync()),
    chat.on('clawchat.gateway', (payload) => {
      const g = payload as { state?: string; reason?: string }
      if (g.state === 'down' && chat.state === 'gateway-down') banner.show('gateway-down', g.reason)
      if (g.state === 'misconfigured') banner.show('misconfigured', g.reason)
    }),
  ]
  banner.show(chat.state as ConnectionState)
  return offs
}
