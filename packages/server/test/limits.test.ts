import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, RateMeter, publicLimits, resolveLimits, takeBoth } from '../src/limits/limits.js'

describe('limits', () => {
  it('merge with the defaults', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS)
    expect(resolveLimits({ messagesPerSecond: 5, maxLifetimeMs: 0 })).toEqual({
      ...DEFAULT_LIMITS,
      messagesPerSecond: 5,
    })
    expect(() => resolveLimits({ maxLifetimeMs: 5 })).toThrow(
      'option "limits.maxLifetimeMs" must be an integer number of ms, at least 1000, or 0 for no limit, got 5',
    )
    expect(publicLimits(DEFAULT_LIMITS)).not.toHaveProperty('tickIntervalMs')
    expect(Object.keys(publicLimits(DEFAULT_LIMITS)).sort()).toEqual([
      'connectionsPerUser',
      'maxLifetimeMs',
      'maxPayload',
      'messagesPerSecond',
      'outboundHighWaterMark',
      'userMessagesPerSecond',
    ])
    expect(resolveLimits({ pingIntervalMs: 0, handshakeTimeoutMs: 0 })).toMatchObject({
      pingIntervalMs: 0,
      handshakeTimeoutMs: 0,
    })
  })

  it('take from a connection and its user together: a refused message uses up neither', () => {
    let now = 0
    const connection = new RateMeter(2, () => now)
    const user = new RateMeter(3, () => now)
    const other = new RateMeter(2, () => now)
    expect(takeBoth(connection, user)).toBeNull()
    expect(takeBoth(connection, user)).toBeNull()
    expect(takeBoth(connection, user)).toEqual({ scope: 'connection', retryAfterMs: 500 })
    expect(takeBoth(other, user)).toBeNull()
    expect(takeBoth(other, user)).toEqual({ scope: 'user', retryAfterMs: 334 })
    // The refused message was refunded to `other`: it has one token left, for when the user has one.
    now = 334
    expect(takeBoth(other, user)).toBeNull()
    expect(user.isFull).toBe(false)
    now = 5000
    expect(user.isFull).toBe(true)
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
