/**
 * Issue 16.4: the bounds on bytes held toward the gateway — the budget itself and its options.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits/limits.js'
import { UpstreamBudget } from '../src/limits/upstream-budget.js'

describe('UpstreamBudget', () => {
  it('holds bytes per user and in total until released, and refuses past either bound', () => {
    const budget = new UpstreamBudget({ perUser: 100, total: 150 })
    const a1 = budget.reserve('alice', 60)
    expect(typeof a1).toBe('function')
    expect(budget.reserve('alice', 41)).toEqual({ scope: 'user', heldBytes: 60, limitBytes: 100 })
    const b1 = budget.reserve('bob', 80)
    expect(typeof b1).toBe('function')
    expect(budget.inFlightBytes).toBe(140)
    // Bob still has room of his own (20), the proxy has 10.
    expect(budget.reserve('bob', 20)).toEqual({ scope: 'total', heldBytes: 140, limitBytes: 150 })
    expect(typeof budget.reserve('carol', 10)).toBe('function')
    ;(a1 as () => void)()
    ;(a1 as () => void)() // twice: released once
    expect(budget.userBytes('alice')).toBe(0)
    expect(budget.inFlightBytes).toBe(90)
    expect(typeof budget.reserve('alice', 40)).toBe('function')
    ;(b1 as () => void)()
    expect(budget.userBytes('bob')).toBe(0)
  })

  it('judges the total on the bytes queued on the socket when they are more than those in flight', () => {
    let queued = 0
    const budget = new UpstreamBudget({ perUser: 100, total: 150 }, () => queued)
    queued = 120 // requests that timed out: no longer in flight, still waiting to be written
    expect(budget.reserve('alice', 40)).toEqual({ scope: 'total', heldBytes: 120, limitBytes: 150 })
    expect(typeof budget.reserve('alice', 30)).toBe('function')
    expect(budget.queuedBytes).toBe(120)
    expect(budget.heldBytes).toBe(120)
  })
})

describe('limits.upstreamBytesPerUser and limits.upstreamBytesTotal', () => {
  it('default to 4 MiB and 64 MiB, and grow with a larger maxPayload when unset', () => {
    expect(DEFAULT_LIMITS.upstreamBytesPerUser).toBe(4 * 1024 * 1024)
    expect(DEFAULT_LIMITS.upstreamBytesTotal).toBe(64 * 1024 * 1024)
    expect(resolveLimits({})).toMatchObject({ upstreamBytesPerUser: 4194304, upstreamBytesTotal: 67108864 })
    expect(resolveLimits({ maxPayload: 8 * 1024 * 1024 })).toMatchObject({
      upstreamBytesPerUser: 8388608,
      upstreamBytesTotal: 67108864,
    })
    expect(resolveLimits({ upstreamBytesPerUser: 100 * 1024 * 1024 })).toMatchObject({
      upstreamBytesTotal: 100 * 1024 * 1024,
    })
    expect(resolveLimits({ upstreamBytesPerUser: 2 * 1024 * 1024, upstreamBytesTotal: 3 * 1024 * 1024 })).toMatchObject(
      {
        upstreamBytesPerUser: 2097152,
        upstreamBytesTotal: 3145728,
      },
    )
  })

  it('are refused when they could never let one largest frame through, naming the option', () => {
    expect(() => resolveLimits({ upstreamBytesPerUser: 512 * 1024 })).toThrow(
      'clawchatProxy: option "limits.upstreamBytesPerUser" must be at least limits.maxPayload (1048576) so that one largest frame can go, got 524288',
    )
    expect(() => resolveLimits({ upstreamBytesPerUser: 2 * 1024 * 1024, upstreamBytesTotal: 1024 * 1024 })).toThrow(
      'clawchatProxy: option "limits.upstreamBytesTotal" must be at least limits.upstreamBytesPerUser (2097152), got 1048576',
    )
    expect(() => resolveLimits({ upstreamBytesTotal: 1.5 })).toThrow(
      'option "limits.upstreamBytesTotal" must be an integer number of bytes, at least 1024, got 1.5',
    )
    expect(() => resolveLimits({ upstreamBytesPerUser: '4MB' })).toThrow(
      'option "limits.upstreamBytesPerUser" must be an integer number of bytes, at least 1024, got "4MB"',
    )
  })
})
