/**
 * The connection knows the upstream link only through its view: the link's own failures (what the
 * browser may be told, after sanitising) are told apart from failures inside the proxy (a generic
 * "try again", and a log line) by shape, not by importing the link.
 */
import { describe, expect, it } from 'vitest'
import { isLinkFailure } from '../src/connection/link-view.js'
import { UpstreamError } from '../src/upstream/gateway-link.js'

describe('isLinkFailure', () => {
  it("recognises every kind of the link's UpstreamError, with its shape", () => {
    for (const kind of ['gateway', 'unavailable', 'timeout', 'cancelled'] as const) {
      const error: unknown = new UpstreamError(kind, { code: 'UNAVAILABLE', message: `a ${kind}` })
      expect(isLinkFailure(error)).toBe(true)
      if (isLinkFailure(error)) expect(error.shape).toEqual({ code: 'UNAVAILABLE', message: `a ${kind}` })
    }
  })

  it('does not take a bug inside the proxy for the gateway speaking', () => {
    expect(isLinkFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false)
    expect(isLinkFailure(new Error('boom'))).toBe(false)
    expect(isLinkFailure(Object.assign(new Error('x'), { shape: 'not an object', kind: 'gateway' }))).toBe(false)
    expect(isLinkFailure({ kind: 'gateway', shape: { code: 'X' } })).toBe(false) // not an Error
    expect(isLinkFailure(undefined)).toBe(false)
  })
})
