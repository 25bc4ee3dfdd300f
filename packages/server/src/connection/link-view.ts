/**
 * What a browser connection sees of the ONE upstream link: its state as browsers are told it, and
 * `request`. The connection knows the link only through this view (the proxy passes the link itself,
 * which fits it structurally), so the browser side never depends on how the upstream is built.
 */
import { isRecord } from '../common/records.js'

/** The gateway's state as browsers are told it (`clawchat.gateway`). */
export type BrowserGatewayState = 'up' | 'down' | 'misconfigured'

/**
 * What a connection needs of the upstream link.
 *
 * @example
 * const view: LinkView = link // the proxy's GatewayLink fits as it is
 * if (view.isUp) await view.request('chat.history', { sessionKey }, { signal })
 */
export interface LinkView {
  readonly isUp: boolean
  /** `up`, `down` or `misconfigured`, as browsers are told. */
  readonly browserState: BrowserGatewayState
  readonly downReason: string
  /** The refusal's details for administrators (never the token), when misconfigured. */
  readonly operatorReason?: string | undefined
  readonly gatewayVersion: string | undefined
  /**
   * Relays one request. Rejects with a {@link LinkFailure} when the link could not relay it or the
   * gateway answered with an error; any other rejection is a failure inside the proxy.
   */
  request(method: string, params: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>
}

/**
 * Why the link could not relay a request (`kind`: `gateway`, `unavailable`, `timeout`, `cancelled`);
 * `shape` is the error object the browser may be told, after sanitising.
 */
export interface LinkFailure extends Error {
  readonly kind: string
  readonly shape: Record<string, unknown>
}

/**
 * Is `error` a {@link LinkFailure} (the link's own answer), rather than a failure inside the proxy?
 *
 * @example
 * const shape = isLinkFailure(error) ? error.shape : { code: 'UNAVAILABLE', message: 'try again' }
 */
export function isLinkFailure(error: unknown): error is LinkFailure {
  if (!(error instanceof Error)) return false
  const { kind, shape } = error as Partial<LinkFailure>
  return typeof kind === 'string' && isRecord(shape)
}
