/**
 * Issue 16.7: a close reason is at most 123 UTF-8 bytes (RFC 6455). A long non-ASCII reason given to
 * `disconnectUser` must be cut by bytes at a character boundary — not by UTF-16 units, which let
 * `ws` throw a RangeError into the app and left the socket half-closed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { closeReason } from '../src/common/errors.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Reasons that overflow 123 bytes in different ways: 4-byte emoji, 3-byte CJK, mixed widths. */
const LONG_REASONS: Record<string, string> = {
  'emoji (40 × 4 bytes, only 80 UTF-16 units)': '🦀'.repeat(40),
  'CJK (50 × 3 bytes)': '账户已被管理员停用'.repeat(6),
  'ASCII then emoji across the limit': `${'a'.repeat(121)}🦀🦀`,
  'ASCII then CJK across the limit': `${'b'.repeat(122)}账户`,
  'emoji ZWJ sequences': '👩‍💻'.repeat(20),
  'two-byte letters': 'é'.repeat(100),
  'a lone surrogate in the middle': `${'x'.repeat(60)}\uD800${'y'.repeat(80)}`,
}

describe('closeReason', () => {
  it('keeps a reason of at most 123 bytes as it is', () => {
    expect(closeReason('logged out')).toBe('logged out')
    expect(closeReason('a'.repeat(123))).toBe('a'.repeat(123))
    expect(closeReason('🦀'.repeat(30))).toBe('🦀'.repeat(30)) // 120 bytes
    expect(closeReason('')).toBe('')
  })

  for (const [name, text] of Object.entries(LONG_REASONS)) {
    it(`cuts ${name} to a prefix of at most 123 bytes, never inside a character`, () => {
      const cut = closeReason(text)
      expect(text.startsWith(cut)).toBe(true)
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123)
      // The longest such prefix: one more code point would not fit.
      const next = String.fromCodePoint(text.codePointAt(cut.length)!)
      expect(Buffer.byteLength(cut + next)).toBeGreaterThan(123)
      // Never half a surrogate pair at the end.
      expect(cut).not.toMatch(/[\uD800-\uDBFF]$/)
    })
  }
})

describe('disconnectUser with a long non-ASCII reason', () => {
  it('closes the browser with 4401 and a valid prefix of the reason, and throws nothing into the app', async () => {
    h = await startHarness()
    for (const [name, text] of Object.entries(LONG_REASONS)) {
      const client = await h.connectAs({ id: 'alice' })
      let answered: number | undefined
      expect(() => (answered = h!.proxy.disconnectUser('alice', text)), name).not.toThrow()
      expect(answered, name).toBe(1)
      const closed = await client.closedPromise
      expect(closed.code, name).toBe(4401)
      expect(closed.reason.length, name).toBeGreaterThan(0)
      expect(Buffer.byteLength(closed.reason), name).toBeLessThanOrEqual(123)
      // What the browser decoded is a prefix of the reason (as UTF-8 would carry it: a lone
      // surrogate becomes U+FFFD), with no replacement character from a cut character.
      expect(Buffer.from(text).toString().startsWith(closed.reason), name).toBe(true)
      // The socket is closed for good on the server side too (not left half-closed).
      await waitFor(() => h!.proxy.stats().connections === 0, 5000, `the registry to forget alice (${name})`)
    }
  })

  it('cuts a long ASCII reason to 123 bytes as well', async () => {
    h = await startHarness()
    const client = await h.connectAs({ id: 'alice' })
    const text = 'account disabled by an administrator; '.repeat(5)
    expect(h.proxy.disconnectUser('alice', text)).toBe(1)
    expect(await client.closedPromise).toEqual({ code: 4401, reason: text.slice(0, 123) })
  })
})
