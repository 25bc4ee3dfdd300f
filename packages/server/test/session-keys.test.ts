import { describe, expect, it } from 'vitest'
import {
  base32Decode,
  base32Encode,
  gatewaySessionKey,
  maxUserIdBytes,
  opaqueRunId,
  parseGatewaySessionKey,
  parseUpstreamRunId,
  upstreamRunId,
  userIdProblem,
} from '../src/isolation/session-keys.js'

const NS = 'clawchat'

describe('base32 user encoding', () => {
  it.each([
    'alice',
    'Alice',
    'ALICE',
    'bob smith',
    'ünïcødé 🦀 日本語',
    'a:b:c',
    'agent:main:main',
    'x'.repeat(266),
    '0',
  ])('round-trips %j', (id) => {
    const encoded = base32Encode(id)
    expect(encoded).toMatch(/^[a-z2-7]+$/)
    expect(base32Decode(encoded)).toBe(id)
  })

  it('matches RFC 4648 (lower-cased, unpadded)', () => {
    expect(base32Encode('alice')).toBe('mfwgsy3f')
    expect(base32Encode('f')).toBe('my')
    expect(base32Encode('foobar')).toBe('mzxw6ytboi')
  })

  it('keeps ids that differ only in case apart, even after the gateway lower-cases keys', () => {
    const a = gatewaySessionKey(NS, 'Alice', 'main')
    const b = gatewaySessionKey(NS, 'alice', 'main')
    expect(a.toLowerCase()).not.toBe(b.toLowerCase())
    expect(parseGatewaySessionKey(NS, a.toLowerCase())?.userId).toBe('Alice')
    expect(parseGatewaySessionKey(NS, b.toUpperCase())?.userId).toBe('alice')
  })

  it('rejects what it could not have produced', () => {
    for (const bad of ['', 'MFWGSY3F!', 'a', 'mfwgsy3fa', 'mb', '1', 'mfwgsy3f ']) expect(base32Decode(bad)).toBeNull()
  })
})

describe('gateway session keys', () => {
  it('never paste the user id, and parse back from the canonical form the gateway reports', () => {
    const key = gatewaySessionKey(NS, 'alice', 'work')
    expect(key).toBe('clawchat:mfwgsy3f:work')
    expect(key).not.toContain('alice')
    expect(parseGatewaySessionKey(NS, `agent:main:${key}`)).toEqual({ userId: 'alice', sessionKey: 'work' })
    expect(parseGatewaySessionKey(NS, key)).toEqual({ userId: 'alice', sessionKey: 'work' })
  })

  it('cannot be forged by a user id that contains separators', () => {
    const tricky = gatewaySessionKey(NS, 'bob:main', 'x')
    expect(parseGatewaySessionKey(NS, tricky)).toEqual({ userId: 'bob:main', sessionKey: 'x' })
    expect(parseGatewaySessionKey(NS, tricky)?.userId).not.toBe('bob')
  })

  it.each([
    'agent:main:main',
    'main',
    'clawchat:alice:main',
    'other:mfwgsy3f:main',
    'clawchat:mfwgsy3f',
    'clawchat:mfwgsy3f:main:extra',
    'clawchat:mfwgsy3f:Has Space',
    42,
    undefined,
  ])('does not attribute %j to anybody', (key) => {
    expect(parseGatewaySessionKey(NS, key)).toBeNull()
  })

  it('stays within 512 characters even with the agent prefix, and refuses ids that would not', () => {
    const max = maxUserIdBytes(NS)
    expect(max).toBe(266)
    const longest = gatewaySessionKey(NS, 'é'.repeat(max / 2), 'x'.repeat(64))
    expect(`agent:main:${longest}`.length).toBeLessThanOrEqual(512)
    expect(userIdProblem('x'.repeat(max), NS)).toBeNull()
    expect(userIdProblem('x'.repeat(max + 1), NS)).toMatch(/267 UTF-8 bytes; at most 266/)
    expect(userIdProblem('', NS)).toMatch(/non-empty string/)
    expect(userIdProblem(7, NS)).toMatch(/non-empty string/)
  })
})

describe('upstream run ids (idempotency keys)', () => {
  it('are deterministic and reversible', () => {
    const id = upstreamRunId(NS, 'alice', 'main', 'k-1')
    expect(id).toBe(upstreamRunId(NS, 'alice', 'main', 'k-1'))
    expect(parseUpstreamRunId(NS, id)).toEqual({ userId: 'alice', sessionKey: 'main', runId: 'k-1' })
  })

  it('are unique across users, sessions and browser keys', () => {
    const ids = new Set([
      upstreamRunId(NS, 'alice', 'main', 'k'),
      upstreamRunId(NS, 'bob', 'main', 'k'),
      upstreamRunId(NS, 'alice', 'work', 'k'),
      upstreamRunId(NS, 'alice', 'main', 'k2'),
      upstreamRunId('other-app', 'alice', 'main', 'k'),
    ])
    expect(ids.size).toBe(5)
  })

  it('keeps browser keys with colons intact', () => {
    expect(parseUpstreamRunId(NS, upstreamRunId(NS, 'a', 'main', 'x:y:z'))?.runId).toBe('x:y:z')
  })

  it('does not attribute foreign run ids', () => {
    for (const id of [
      '2f1e…',
      'c39bd61e-97cd-4929-87d3-e33505ce2a22',
      'clawchat:mfwgsy3f:main',
      'other:mfwgsy3f:main:k',
      7,
    ]) {
      expect(parseUpstreamRunId(NS, id)).toBeNull()
    }
  })

  it('replaces foreign run ids by a stable opaque stand-in', () => {
    const a = opaqueRunId(NS, 'c39bd61e-97cd-4929-87d3-e33505ce2a22')
    expect(a).toBe(opaqueRunId(NS, 'c39bd61e-97cd-4929-87d3-e33505ce2a22'))
    expect(a).toMatch(/^run-[A-Za-z0-9_-]{22}$/)
    expect(a).not.toContain('c39bd61e')
  })
})
