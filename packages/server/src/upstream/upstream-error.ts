/** Why a request could not be relayed; `shape` is what the browser may be told (after sanitising). */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'gateway' | 'unavailable' | 'timeout' | 'cancelled',
    readonly shape: Record<string, unknown>,
  ) {
    super(typeof shape.message === 'string' ? shape.message : kind)
    this.name = 'UpstreamError'
  }
}
