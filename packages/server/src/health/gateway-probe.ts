/**
 * Does the gateway take a request? One bounded read over the link (`sessions.list` with `limit: 1`).
 * A gateway that drains for a restart or a stop refuses every request with a retryable
 * `UNAVAILABLE` (`details.reason: "gateway-restarting"`) but sends its `shutdown` event only at the
 * end of the drain, which may last minutes while long runs finish (measured on openclaw 2026.9.6,
 * e2e/real-gateway/operations.test.ts): without a request, a quiet drain would look ready. The link
 * feeds that refusal to its admission (`gateway-admission.ts`), which readiness then reads. A gateway
 * that does not answer within the bound counts as not answering. Probes that arrive while a read is
 * in flight share it.
 */

/** The method and params of the read: the cheapest request every gateway refuses while it drains. */
export const GATEWAY_PROBE_REQUEST = { method: 'sessions.list', params: { limit: 1 } } as const

/** How long the gateway may take to answer the read, ms. */
export const GATEWAY_PROBE_TIMEOUT_MS = 2000

/** What the probe needs of the link. */
export interface ProbedLink {
  request(method: string, params: unknown, options: { signal?: AbortSignal }): Promise<unknown>
}

/**
 * Probes the gateway through the link, one read in flight at most.
 *
 * @example
 * const probe = new GatewayProbe(link)
 * await probe.answers() // false when the gateway took longer than 2000 ms
 */
export class GatewayProbe {
  private inFlight: Promise<boolean> | undefined

  constructor(
    private readonly link: ProbedLink,
    readonly timeoutMs: number = GATEWAY_PROBE_TIMEOUT_MS,
  ) {}

  /**
   * `false` only when the gateway did not answer within the bound; an answer or a refusal (which the
   * link's admission has heard by then) is `true`. Never rejects.
   */
  answers(): Promise<boolean> {
    this.inFlight ??= this.readOnce().finally(() => (this.inFlight = undefined))
    return this.inFlight
  }

  private async readOnce(): Promise<boolean> {
    const abort = new AbortController()
    let late = false
    const timer = setTimeout(() => {
      late = true
      abort.abort()
    }, this.timeoutMs)
    timer.unref?.()
    try {
      await this.link.request(GATEWAY_PROBE_REQUEST.method, GATEWAY_PROBE_REQUEST.params, { signal: abort.signal })
      return true
    } catch {
      return !late
    } finally {
      clearTimeout(timer)
    }
  }
}
