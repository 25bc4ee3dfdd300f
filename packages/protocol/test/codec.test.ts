/**
 * The wire codec: every frame both halves exchange is read into the union or refused with a
 * message that says what was wrong.
 */
import { describe, expect, it } from 'vitest'
import {
  MAX_METHOD,
  MAX_REQUEST_ID,
  encodeFrame,
  isCancelFrame,
  isErrorShape,
  isEventFrame,
  isHelloOk,
  isRequestFrame,
  isResponseFrame,
  parseClientFrame,
  parseFrame,
  parseServerFrame,
} from '../src/index.js'

describe('parseFrame', () => {
  it('reads each kind of frame into the union', () => {
    const frames = [
      { type: 'req', id: '1', method: 'chat.send', params: { message: 'hi' } },
      { type: 'cancel', id: '1' },
      { type: 'res', id: '1', ok: false, error: { code: 'FORBIDDEN', message: 'no', retryAfterMs: 5 } },
      { type: 'event', event: 'chat', payload: { state: 'delta' }, seq: 0 },
    ]
    for (const frame of frames) expect(parseFrame(JSON.stringify(frame))).toEqual({ ok: true, frame })
  })

  it('lets a malformed error object through, so it still answers its request', () => {
    const frame = { type: 'res', id: '1', ok: false, error: { code: 'X', retryable: 1 } }
    expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, frame })
  })

  it('round-trips what encodeFrame writes', () => {
    const frame = { type: 'res', id: '9', ok: true, payload: { runId: 'r' } } as const
    expect(parseFrame(encodeFrame(frame))).toEqual({ ok: true, frame })
  })

  it.each([
    ['nope', /^invalid frame: not JSON\. Send a JSON object like/],
    ['[1]', /^invalid frame: expected a JSON object/],
    ['null', /expected a JSON object/],
    ['{"type":"hello"}', /^invalid frame: unknown type "hello"; expected one of "req", "cancel", "res", "event"$/],
    ['{"id":"1","method":"x"}', /^invalid frame: type is missing; expected one of/],
    ['{"type":[[[]]]}', /unknown type an array/],
    ['{"type":"req","method":"x"}', /^invalid request frame: id must be a non-empty string$/],
    ['{"type":"req","id":"1","method":""}', /^invalid request frame: method must be a non-empty string/],
    ['{"type":"cancel","id":""}', /^invalid cancel frame: id must be the id of a request in flight$/],
    ['{"type":"res","ok":true}', /^invalid response frame: id must be a non-empty string$/],
    ['{"type":"res","id":"1","ok":"yes"}', /^invalid response frame: ok must be a boolean$/],
    ['{"type":"res","id":"1","ok":false,"error":"boom"}', /^invalid response frame: error: expected an object/],
    ['{"type":"event","payload":{}}', /^invalid event frame: event must be a non-empty string$/],
    ['{"type":"event","event":"tick","seq":1.5}', /^invalid event frame: seq must be a non-negative integer$/],
  ])('refuses %s saying what was wrong', (text, message) => {
    const read = parseFrame(text)
    expect(read.ok).toBe(false)
    if (!read.ok) expect(read.message).toMatch(message)
  })
})

describe('parseServerFrame', () => {
  it('reads responses and events', () => {
    expect(parseServerFrame('{"type":"event","event":"tick"}')).toEqual({
      ok: true,
      frame: { type: 'event', event: 'tick' },
    })
    expect(parseServerFrame('{"type":"res","id":"a","ok":true}')).toMatchObject({ ok: true, frame: { id: 'a' } })
  })

  it('refuses what only a browser sends', () => {
    expect(parseServerFrame('{"type":"req","id":"1","method":"chat.send"}')).toEqual({
      ok: false,
      message: 'invalid frame: unknown type "req"; expected one of "res", "event"',
    })
  })
})

describe('parseClientFrame (the proxy reading a browser)', () => {
  it('reads requests with or without type and id, and cancels', () => {
    expect(parseClientFrame('{"type":"req","id":"1","method":"chat.send","params":{"message":"hi"}}')).toEqual({
      kind: 'request',
      shownId: '1',
      id: '1',
      method: 'chat.send',
      params: { message: 'hi' },
    })
    expect(parseClientFrame('{"method":"chat.history"}')).toEqual({
      kind: 'request',
      shownId: 'invalid',
      id: undefined,
      method: 'chat.history',
      params: undefined,
    })
    expect(parseClientFrame('{"type":"cancel","id":"7"}')).toEqual({ kind: 'cancel', shownId: '7', id: '7' })
  })

  it.each([
    ['not json', 'invalid', /^invalid frame: not JSON\./],
    ['42', 'invalid', /expected a JSON object/],
    ['{"type":"cancel"}', 'invalid', /^invalid cancel frame: id must be the id of a request in flight$/],
    ['{"type":"event","id":"e","event":"x"}', 'e', /unknown type "event"; send "req" \(or leave it out\) or "cancel"/],
    ['{"id":"e","method":"chat.send","__proto__":{"polluted":1}}', 'e', /unexpected property '__proto__'/],
    ['{"id":5,"method":"chat.send"}', '5', /id must be a string of 1 to 256 characters \(or left out\)/],
    [`{"id":"${'i'.repeat(MAX_REQUEST_ID + 1)}","method":"x"}`, 'invalid', /id must be a string/],
    ['{"id":"e"}', 'e', /method must be a non-empty string, e\.g\. "chat\.send"/],
    [`{"id":"e","method":"${'m'.repeat(MAX_METHOD + 1)}"}`, 'e', /method must be at most 128 characters/],
  ])('refuses %j under id %j', (text, shownId, message) => {
    const read = parseClientFrame(text)
    expect(read.kind).toBe('invalid')
    if (read.kind !== 'invalid') return
    expect(read.shownId).toBe(shownId)
    expect(read.message).toMatch(message)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('guards', () => {
  it('tell the kinds apart', () => {
    const req = { type: 'req', id: '1', method: 'm' }
    const res = { type: 'res', id: '1', ok: true }
    const event = { type: 'event', event: 'tick' }
    const cancel = { type: 'cancel', id: '1' }
    expect([req, res, event, cancel, null, 'x'].map(isRequestFrame)).toEqual([true, false, false, false, false, false])
    expect([req, res, event, cancel].map(isResponseFrame)).toEqual([false, true, false, false])
    expect([req, res, event, cancel].map(isEventFrame)).toEqual([false, false, true, false])
    expect([req, res, event, cancel].map(isCancelFrame)).toEqual([false, false, false, true])
    expect(isErrorShape({ code: 'X', message: 'm', retryable: true })).toBe(true)
    expect(isErrorShape({ code: 'X' })).toBe(false)
  })

  it('isHelloOk checks the parts a browser reads', () => {
    const hello = {
      type: 'hello-ok',
      protocol: 4,
      server: { version: '1', connId: 'c' },
      features: { methods: ['chat.send'], events: ['chat'] },
      snapshot: { presence: [], sessionDefaults: { mainKey: 'main' } },
      policy: { maxPayload: 1024, tickIntervalMs: 30_000 },
    }
    expect(isHelloOk(hello)).toBe(true)
    expect(isHelloOk({ type: 'hello-ok', protocol: 4 })).toBe(true)
    expect(isHelloOk({ ...hello, type: 'hello' })).toBe(false)
    expect(isHelloOk({ ...hello, protocol: '4' })).toBe(false)
    expect(isHelloOk({ ...hello, features: { methods: 'chat.send' } })).toBe(false)
    expect(isHelloOk({ ...hello, policy: { tickIntervalMs: '30000' } })).toBe(false)
    expect(isHelloOk({ ...hello, snapshot: { sessionDefaults: { mainKey: 1 } } })).toBe(false)
    expect(isHelloOk({ ...hello, auth: [] })).toBe(false)
  })
})
