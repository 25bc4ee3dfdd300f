import { describe, expect, it } from 'vitest'
import { CLOSE_CODE_TABLE, CloseCodes, closeAction } from '../src/index.js'

describe('close-code table', () => {
  it('pins every code and what the SDK does for it (docs/ARCHITECTURE.md "The wire")', () => {
    expect(CLOSE_CODE_TABLE.map((r) => [r.code, r.action])).toEqual([
      [4401, 'stop'],
      [4408, 'reconnect-now'],
      [4429, 'backoff-long'],
      [1008, 'backoff'],
      [1009, 'reconnect-drop-oversized'],
      [1013, 'reconnect-resync'],
      [1012, 'backoff'],
      [1001, 'backoff'],
    ])
  })

  it('names match the table rows and codes are unique', () => {
    for (const row of CLOSE_CODE_TABLE) {
      expect(CloseCodes[row.name as keyof typeof CloseCodes]).toBe(row.code)
      expect(row.meaning.length).toBeGreaterThan(5)
    }
    expect(new Set(CLOSE_CODE_TABLE.map((r) => r.code)).size).toBe(CLOSE_CODE_TABLE.length)
    expect(Object.keys(CloseCodes).length).toBe(CLOSE_CODE_TABLE.length)
  })

  it('ClawChat-defined codes sit in the application range 4000-4999', () => {
    for (const code of [CloseCodes.LOGGED_OUT, CloseCodes.MAX_LIFETIME, CloseCodes.TOO_MANY_CONNECTIONS]) {
      expect(code).toBeGreaterThanOrEqual(4000)
      expect(code).toBeLessThan(5000)
    }
  })

  it('closeAction looks codes up, and treats unknown codes (1006, 1000) as backoff', () => {
    expect(closeAction(4401)).toBe('stop')
    expect(closeAction(1013)).toBe('reconnect-resync')
    expect(closeAction(1006)).toBe('backoff')
    expect(closeAction(1000)).toBe('backoff')
    expect(closeAction(4999)).toBe('backoff')
  })
})
