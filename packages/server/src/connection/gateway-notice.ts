/**
 * What a browser is told of the gateway (`clawchat.gateway`): `down` (the proxy retries; the SDK
 * waits), `misconfigured` (a person must act; the SDK fails what waits) or `up` again — once per
 * change. Users get a plain sentence; admins also what the gateway said and what to do (never the token).
 */
import type { ClawChatUser } from '@clawchat/protocol'
import type { BrowserGatewayState, LinkView } from './link-view.js'

/** The payload of a `clawchat.gateway` event. */
export interface GatewayNoticePayload {
  state: BrowserGatewayState
  reason?: string
}

/**
 * Why the gateway is not up, as a user of `role` may be told.
 *
 * @example
 * gatewayReason(link, 'admin') // "The chat gateway refused this server; … Administrator: <what it said>."
 */
export function gatewayReason(link: LinkView, role: ClawChatUser['role']): string {
  if (role === 'admin' && link.browserState === 'misconfigured' && link.operatorReason)
    return `${link.downReason} Administrator: ${link.operatorReason}.`
  return link.downReason
}

/**
 * What one browser was last told of the gateway.
 *
 * @example
 * const notice = gatewayNotice.next(link, user.role)
 * if (notice) sendEvent(CLAWCHAT_GATEWAY_EVENT, notice)
 */
export class GatewayNotice {
  /** What `clawchat.gateway` last told (`state|reason`); '' while the browser believes it is up. */
  private told = ''

  /** The event to send now, or `undefined` when the browser already knows. */
  next(link: LinkView, role: ClawChatUser['role']): GatewayNoticePayload | undefined {
    const state = link.browserState
    const reason = state === 'up' ? undefined : gatewayReason(link, role)
    const told = state === 'misconfigured' ? `${state}|${reason ?? ''}` : state
    if (told === this.told || (state === 'up' && this.told === '')) return undefined
    this.told = state === 'up' ? '' : told
    return reason === undefined ? { state } : { state, reason }
  }
}
