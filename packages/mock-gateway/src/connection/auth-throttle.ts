/**
 * The growing answer delay for wrong tokens (option `authFailureDelay`).
 *
 * @example
 * await startMockGateway({ token: 't', authFailureDelay: { initialMs: 20, maxMs: 200 } })
 */
export interface AuthFailureDelay {
  /** Delay before answering the first wrong token from an address. */
  initialMs: number
  /** Upper bound; each further wrong try doubles the delay up to this. */
  maxMs: number
}

/**
 * The growing answer delay for wrong tokens (GATEWAY.md "Errors and closes": 0.25 s, then slower,
 * beyond 5 s). Counted per remote address; a successful `connect` from the address resets it.
 */
export class AuthFailureThrottle {
  private readonly failures = new Map<string, number>()

  constructor(private readonly delay: AuthFailureDelay) {}

  /** Records a failure and returns how long to wait before answering it. */
  nextDelay(address: string): number {
    const count = (this.failures.get(address) ?? 0) + 1
    this.failures.set(address, count)
    return Math.min(this.delay.maxMs, this.delay.initialMs * 2 ** (count - 1))
  }

  reset(address: string): void {
    this.failures.delete(address)
  }
}
