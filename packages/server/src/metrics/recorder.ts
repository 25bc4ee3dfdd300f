/**
 * The one call each instrumented site makes: a small interface passed in the parts' deps (never a
 * global), so that two proxies in one process keep their own counts.
 */
import type {
  BrowserFrameKind,
  GatewayFrameKind,
  RateLimitScope,
  RefusalReason,
  RequestOutcome,
  Surface,
} from './labels.js'

/**
 * What the proxy's parts report. Every method is cheap (a few additions), and takes closed-set
 * values only.
 *
 * @example
 * deps.metrics?.upgradeRefused('relay', 'unauthenticated')
 * deps.metrics?.browserFrame('in', 'req', 57)
 */
export interface MetricsRecorder {
  /** An upgrade was refused (an HTTP answer, or a close right after the WebSocket handshake). */
  upgradeRefused(surface: Surface, reason: RefusalReason): void
  /** A frame of `bytes` bytes came in from a browser, or went out to one. */
  browserFrame(direction: 'in' | 'out', kind: BrowserFrameKind, bytes: number): void
  /** A frame went up the link to the gateway (`req`), or came down from it (`res`, `event`). */
  gatewayFrame(direction: 'up' | 'down', kind: GatewayFrameKind): void
  /** A request was refused by a rate limit. */
  rateLimited(scope: RateLimitScope): void
  /** A browser that read too slowly was closed (1013). */
  slowConsumer(): void
  /** A browser's request was answered (or cancelled) `ms` after it arrived. */
  requestDone(method: string, outcome: RequestOutcome, ms: number): void
  /** The link said hello-ok (the first time: connected; afterwards: reconnected). */
  linkUp(): void
}
