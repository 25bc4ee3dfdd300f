/**
 * The link's frames: every request relayed up to the gateway, and its answer coming down (a result,
 * or the gateway's own error — not a timeout, a cancellation or a lost socket). Counted around
 * `GatewayLink.request` of one proxy's link, so that the link itself stays free of metrics.
 */
import type { GatewayLink } from '../upstream/gateway-link.js'
import type { MetricsRecorder } from './recorder.js'

/**
 * Counts `link`'s requests from now on (`up`/`req` as each leaves, `down`/`res` as it is answered).
 * A request refused at once because the link is not up never left: not counted.
 *
 * @example
 * countLinkRequests(link, figures)
 * await link.request('models.list', {}) // gateway_frames_total{direction="up",kind="req"} +1, then down/res +1
 */
export function countLinkRequests(link: GatewayLink, metrics: Pick<MetricsRecorder, 'gatewayFrame'>): void {
  const relay = link.request.bind(link)
  link.request = async (method, params, options) => {
    if (!link.isUp) return relay(method, params, options)
    metrics.gatewayFrame('up', 'req')
    try {
      const answer = await relay(method, params, options)
      metrics.gatewayFrame('down', 'res')
      return answer
    } catch (error) {
      if ((error as { kind?: unknown }).kind === 'gateway') metrics.gatewayFrame('down', 'res')
      throw error
    }
  }
}
