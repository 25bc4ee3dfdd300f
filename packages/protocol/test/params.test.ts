/**
 * The browser methods' params: a closed list per method, so the fields the gateway takes but a
 * browser must never set are refused by name, with the list of what is allowed.
 */
import { describe, expect, it } from 'vitest'
import { BROWSER_PARAMS, METHOD_NAMES, describeParam, paramSpec, unexpectedParam } from '../src/index.js'

describe('BROWSER_PARAMS', () => {
  it('lists the fields of every method of the typed map', () => {
    expect(Object.keys(BROWSER_PARAMS).sort()).toEqual([...METHOD_NAMES].sort())
    expect(Object.keys(BROWSER_PARAMS['chat.send'])).toEqual([
      'message',
      'sessionKey',
      'idempotencyKey',
      'attachments',
      'thinking',
    ])
    expect(BROWSER_PARAMS['models.list']).toEqual({})
  })

  it.each(['deliver', 'originatingChannel', 'agentId', 'sessionId', 'suppressCommandInterpretation', 'timeoutMs'])(
    'refuses the gateway field %j a browser must never set on chat.send',
    (field) => {
      expect(unexpectedParam('chat.send', { message: 'hi', [field]: true })).toBe(
        `unexpected property '${field}' (allowed: message, sessionKey, idempotencyKey, attachments, thinking)`,
      )
    },
  )

  it('accepts the listed fields and names only own properties', () => {
    expect(unexpectedParam('chat.history', { sessionKey: 'work', limit: 5, offset: 0, maxChars: 100 })).toBeUndefined()
    expect(unexpectedParam('models.list', {})).toBeUndefined()
    expect(unexpectedParam('models.list', { refresh: true })).toBe("unexpected property 'refresh' (allowed: )")
    const hostile = JSON.parse('{"__proto__":{"polluted":1}}') as Record<string, unknown>
    expect(unexpectedParam('chat.abort', hostile)).toMatch(/^unexpected property '__proto__'/)
    expect(paramSpec('chat.send', 'constructor')).toBeUndefined()
    expect(unexpectedParam('chat.send', { ['x'.repeat(100)]: 1 })).toContain(`'${'x'.repeat(64)}'`)
  })

  it('says what a valid value is, in the words of the error messages', () => {
    expect(describeParam('chat.send', 'message')).toBe('message must be a string (the text to send)')
    expect(describeParam('chat.send', 'thinking')).toBe('thinking must be a string')
    expect(describeParam('sessions.list', 'includeLastMessage')).toBe('includeLastMessage must be a boolean')
    expect(describeParam('chat.history', 'limit')).toBe('limit must be an integer')
    expect(describeParam('chat.send', 'attachments')).toBe('attachments must be an array')
    expect(describeParam('sessions.reset', 'reason')).toBe('reason must be "new" or "reset"')
    expect(describeParam('chat.send', 'deliver')).toBeUndefined()
  })
})
