import { byId, h } from './dom.js'

/** The SDK's connection states. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'gateway-down' | 'misconfigured' | 'closed'

/** The misconfigured banner's sentence when the proxy gives no reason. */
const MISCONFIGURED = 'The assistant’s setup needs an administrator.'

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  'gateway-down': 'Assistant offline',
  misconfigured: 'Assistant unavailable',
  closed: 'Disconnected',
}

/**
 * The connection indicator in the top bar and the banner under it: nothing while connected,
 * "reconnecting" while the socket is away, "gateway down" while the proxy cannot reach the gateway,
 * "misconfigured" while the gateway refuses the proxy (messages cannot be sent: the banner says so,
 * with the proxy's reason — for an admin, what to do).
 */
export class ConnectionBanner {
  private readonly indicator = byId('connection')
  private readonly label = byId('connection-label')
  private readonly banner = byId('connection-banner')
  private everOpen = false

  show(state: ConnectionState, detail?: string): void {
    this.indicator.dataset.state = state
    this.label.textContent = LABELS[state]
    this.indicator.title = detail ? `${LABELS[state]} — ${detail}` : LABELS[state]
    if (state === 'open') this.everOpen = true

    if (state === 'open' || (state === 'connecting' && !this.everOpen)) {
      this.banner.hidden = true
      this.banner.dataset.kind = ''
      return
    }
    this.banner.dataset.kind = state === 'connecting' ? 'reconnecting' : state
    if (state === 'reconnecting' || state === 'connecting') {
      this.banner.replaceChildren(
        h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
        h('span', { text: 'Connection lost. Reconnecting… Messages you send now will go out when it is back.' }),
      )
    } else if (state === 'gateway-down') {
      this.banner.replaceChildren(
        h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
        h('span', {
          text: 'The assistant is unreachable right now. Messages you send now will go out when it is back.',
        }),
      )
    } else if (state === 'misconfigured') {
      this.banner.replaceChildren(
        h('span', {
          text: `${detail ?? MISCONFIGURED} Messages cannot be sent until it is fixed.`,
        }),
      )
    } else {
      const reload = h('button', { class: 'btn btn-outline', text: 'Reload', attrs: { type: 'button' } })
      reload.addEventListener('click', () => location.reload())
      this.banner.replaceChildren(h('span', { text: detail ?? 'Disconnected from the chat server.' }), reload)
    }
    this.banner.hidden = false
  }
}
