/**
 * Reading one browser frame: every malformed shape gets an `INVALID_REQUEST` that says what was
 * wrong, under the id it can be answered with.
 */
import { describe, expect, it } from 'vitest'
import { MAX_METHOD, MAX_REQUEST_ID, parseInbound } from '../src/connection/inbox.js'

describe('parseInbound', () => {
  it('reads requests, with or without type and id', () => {
    expect(parseInbound('{"type":"req","id":"1","method":"chat.send","params":{"message":"hi"}}')).toEqual({
      kind: 'request',
      shownId: '1',
      id: '1',
      method: 'chat.send',
      params: { message: 'hi' },
    })
    expect(parseInbound('{"method":"chat.history"}')).toMatchObject({
      kind: 'request',
      id: undefined,
      method: 'chat.history',
    })
    expect(parseInbound('{"type":"cancel","id":"7"}')).toEqual({ kind: 'cancel', shownId: '7', id: '7' })
  })

  it.each([
    ['not json', 'invalid', /not JSON/],
    ['', 'invalid', /not JSON/],
    ['[1,2]', 'invalid', /expected a JSON object/],
    ['null', 'invalid', /expected a JSON object/],
    ['"req"', 'invalid', /expected a JSON object/],
    ['42', 'invalid', /expected a JSON object/],
    ['{"type":"cancel"}', 'invalid', /invalid cancel frame/],
    ['{"type":"event","id":"e","event":"x"}', 'e', /unknown type "event"/],
    ['{"type":7,"id":"e","method":"x"}', 'e', /unknown type 7/],
    [`{"type":${'['.repeat(50_000)}${']'.repeat(50_000)},"id":"e"}`, 'e', /unknown type an array/],
    [`{"type":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)},"id":"e"}`, 'e', /unknown type an object/],
    ['{"id":"e","method":"chat.send","extra":1}', 'e', /unexpected property 'extra'/],
    ['{"id":"e","method":"chat.send","__proto__":{"polluted":1}}', 'e', /unexpected property '__proto__'/],
    [
      '{"id":"e","method":"chat.send","constructor":{"prototype":{"polluted":1}}}',
      'e',
      /unexpected property 'constructor'/,
    ],
    ['{"id":5,"method":"chat.send"}', '5', /id must be a string/],
    ['{"id":{},"method":"chat.send"}', 'invalid', /id must be a string/],
    ['{"id":"","method":"chat.send"}', 'invalid', /id must be a string/],
    [`{"id":"${'i'.repeat(MAX_REQUEST_ID + 1)}","method":"chat.send"}`, 'invalid', /id must be a string of 1 to 256/],
    ['{"id":"e"}', 'e', /method must be a non-empty string/],
    ['{"id":"e","method":5}', 'e', /method must be a non-empty string/],
    [`{"id":"e","method":"${'m'.repeat(MAX_METHOD + 1)}"}`, 'e', /method must be at most 128 characters/],
  ])('answers %j with INVALID_REQUEST under id %j', (text, shownId, message) => {
    const frame = parseInbound(text)
    expect(frame.kind).toBe('invalid')
    if (frame.kind !== 'invalid') return
    expect(frame.shownId).toBe(shownId)
    expect(frame.error.code).toBe('INVALID_REQUEST')
    expect(frame.error.message).toMatch(message)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
