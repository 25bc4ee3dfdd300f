import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, RateMeter, publicLimits, resolveLimits } from '../src/limits.js'

describe('limits', () => {
  it('merge with the defaults', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS)
    expect(resolveLimits({ messagesPerSecond: 5, maxLifetimeMs: 0 })).toEqual({ ...DEFAULT_LIMITS, messagesPerSecond: 5 })
    expect(() => resolveLimits({ maxLifetimeMs: 5 })).toThrow('option "limits.maxLifetimeMs" must be an integer number of ms, at least 1000, or 0 for no limit, got 5')
    expect(publicLimits(DEFAULT_LIMITS)).not.toHaveProperty('tickIntervalMs')
  })

  it('meter a rate with bursts, and say how long to wait', () => {
    let now = 0
    const meter = new RateMeter(2, () => now)
    expect(meter.take()).toBe(0)
    expect(meter.take()).toBe(0)
    expect(meter.take()).toBe(500)
    now = 500
    expect(meter.take()).toBe(0)
    expect(meter.take()).toBe(500)
    now = 10_000
    expect(meter.take()).toBe(0)
    expect(meter.take()).toBe(0)
    expect(meter.take()).toBeGreaterThan(0)
  })
})
