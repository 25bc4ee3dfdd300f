import { ErrorCodes as OpenClawErrorCodes } from '@openclaw/gateway-protocol'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, ErrorCodes } from '../src/index.js'

describe('error codes', () => {
  it("contains every one of OpenClaw's codes with the same value", () => {
    for (const [name, value] of Object.entries(OpenClawErrorCodes)) {
      expect(ErrorCodes[name as keyof typeof ErrorCodes]).toBe(value)
    }
  })

  it('adds exactly RATE_LIMITED', () => {
    const added = Object.keys(ErrorCodes).filter((k) => !(k in OpenClawErrorCodes))
    expect(added).toEqual(['RATE_LIMITED'])
    expect(ErrorCodes.RATE_LIMITED).toBe('RATE_LIMITED')
  })

  it('lists every code once, each equal to its name', () => {
    expect(ERROR_CODES).toHaveLength(Object.keys(ErrorCodes).length)
    for (const [k, v] of Object.entries(ErrorCodes)) expect(k).toBe(v)
  })
})
