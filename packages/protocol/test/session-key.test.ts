import { describe, expect, it } from 'vitest'
import { DEFAULT_SESSION_KEY, isSessionKey, parseSessionKey } from '../src/index.js'

describe('browser session-key grammar', () => {
  it.each([
    ['main', 'main'],
    ['Work', 'work'],
    ['MAIN', 'main'],
    ['a', 'a'],
    ['0', '0'],
    ['project-2024.q1_notes', 'project-2024.q1_notes'],
    ['x'.repeat(64), 'x'.repeat(64)],
  ])('accepts %j as %j', (input, key) => {
    expect(parseSessionKey(input)).toEqual({ ok: true, key })
  })

  it('means "main" when the key is left out', () => {
    expect(parseSessionKey(undefined)).toEqual({ ok: true, key: DEFAULT_SESSION_KEY })
    expect(DEFAULT_SESSION_KEY).toBe('main')
  })

  it.each([
    '',
    'x'.repeat(65),
    '-lead',
    '.hidden',
    '_x',
    'a b',
    'agent:main:main',
    'clawchat:alice:main',
    'ünïcødé',
    'a/b',
    '🦀',
    'tab\t',
  ])('rejects %j with a message that names the rule', (input) => {
    const r = parseSessionKey(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message).toMatch(/1 to 64 characters of a-z, 0-9/)
  })

  it.each([null, 5, {}, [], true])('rejects the non-string %j', (input) => {
    const r = parseSessionKey(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message).toMatch(/sessionKey must be a string/)
  })

  it('shortens a huge key in the message instead of echoing it whole', () => {
    const r = parseSessionKey('!'.repeat(100_000))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message.length).toBeLessThan(300)
  })

  it('isSessionKey agrees with parseSessionKey', () => {
    expect(isSessionKey('Main')).toBe(true)
    expect(isSessionKey('a b')).toBe(false)
    expect(isSessionKey(undefined)).toBe(false)
  })
})
