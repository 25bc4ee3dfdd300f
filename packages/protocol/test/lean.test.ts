import { describe, expect, it } from 'vitest'
import {
  encodeLeanDelta,
  KNOWN_CAPS,
  LEAN_CAP,
  matchesCheck,
  parseLeanDelta,
  readLeanDelta,
  SDK_CAPS,
  DIRECT_SDK_CAPS,
  textCheck,
} from '../src/index.js'

describe('the lean wire contract', () => {
  it('a compact delta round-trips, text with quotes, newlines and non-BMP characters included', () => {
    const text = 'say "hi"\n\u2028😀\\'
    const wire = encodeLeanDelta(41, 3, text, false)
    expect(wire.startsWith('[41,3,')).toBe(true)
    expect(parseLeanDelta(wire)).toEqual({ ok: true, delta: { seq: 41, run: 3, deltaText: text, replace: false } })
    expect(JSON.parse(encodeLeanDelta(1, 1, '', true))).toEqual([1, 1, '', 1])
    expect(parseLeanDelta(encodeLeanDelta(2, 9, 'again', true))).toEqual({
      ok: true,
      delta: { seq: 2, run: 9, deltaText: 'again', replace: true },
    })
  })

  it('the envelope of an 8-character delta is at most 16 bytes at seq 99,999 and run 99', () => {
    expect(encodeLeanDelta(99_999, 99, 'abcdefgh', false).length - 8).toBeLessThanOrEqual(16)
  })

  it('refuses anything that is not [seq, run, deltaText(, 1)], saying what it expected', () => {
    for (const bad of [[1, 2], [1, 'x', 'y'], [-1, 1, 'a'], [1, 1, 'a', 2], [1.5, 1, 'a'], { seq: 1 }, [1, 1, 5]]) {
      const read = readLeanDelta(bad)
      expect(read.ok).toBe(false)
      if (!read.ok) expect(read.message).toMatch(/expected \[seq, run, deltaText\]/)
    }
    expect(parseLeanDelta('[1,2,')).toEqual({ ok: false, message: 'invalid lean delta: not JSON' })
  })

  it('textCheck tells a whole text from a text with one character missing or changed', () => {
    const text = 'The quick brown fox jumps over the lazy dog'
    expect(matchesCheck(text, textCheck(text))).toBe(true)
    expect(matchesCheck(text.slice(1), textCheck(text))).toBe(false)
    expect(matchesCheck(text.replace('fox', 'fix'), textCheck(text))).toBe(false)
    expect(textCheck('')).toEqual({ length: 0, fnv1a: 0x811c9dc5 })
    // FNV-1a 32 of "a" (one UTF-16 code unit 0x61): the published test vector.
    expect(textCheck('a').fnv1a).toBe(0xe40c292c)
  })

  it('the SDK names the lean cap through the proxy, never to the gateway itself', () => {
    expect(SDK_CAPS).toContain(LEAN_CAP)
    expect(DIRECT_SDK_CAPS).not.toContain(LEAN_CAP)
    expect(KNOWN_CAPS).toContain(LEAN_CAP)
  })
})
