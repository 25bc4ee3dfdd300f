/**
 * Issue 16.5, the unit: a run's text stream never rebuilds a secret, whatever the chunking, and
 * what the browser joins (`deltaText`s, `delta`s) always equals the whole text it is sent
 * (`message`, `text`) — with `[redacted]` where the secret was and nothing else changed.
 */
import { describe, expect, it } from 'vitest'
import { createRedactor } from '../src/common/errors.js'
import { REDACTED, StreamRedactor } from '../src/isolation/stream-redactor.js'

const TOKEN = 'tok-3f9a2c71-0b8e-4d5a-9c1e-77ab12cd34ef'
const frameRedact = createRedactor([TOKEN])
/** What the per-frame redaction does to a payload on its way out (as ClientConnection.sendFrame does). */
const onTheWire = (payload: object) => JSON.parse(frameRedact(JSON.stringify(payload))) as Record<string, any>

const message = (text: string) => ({ role: 'assistant', content: [{ type: 'text', text }], timestamp: 1 })
const chatDelta = (runId: string, delta: string, full: string, extra: object = {}) => ({
  runId,
  sessionKey: 's',
  state: 'delta',
  deltaText: delta,
  message: message(full),
  ...extra,
})
const chatFinal = (runId: string, full: string) => ({
  runId,
  sessionKey: 's',
  state: 'final',
  stopReason: 'stop',
  message: message(full),
})
const textOf = (m: any): string =>
  m.content
    .filter((p: any) => p.type === 'text')
    .map((p: any) => p.text)
    .join('')

/** Streams `chunks` as chat deltas and a final through `streams`; answers what a browser saw. */
function streamChat(streams: StreamRedactor, runId: string, chunks: string[]) {
  let full = ''
  let joined = ''
  const messages: string[] = []
  for (const chunk of chunks) {
    full += chunk
    for (const out of streams.redact('chat', chatDelta(runId, chunk, full)).map(onTheWire)) {
      joined += out.deltaText
      messages.push(textOf(out.message))
      // The SDK takes `message` when it extends its text, else appends `deltaText`: both agree.
      expect(textOf(out.message)).toBe(joined)
    }
  }
  const [final] = streams.redact('chat', chatFinal(runId, full)).map(onTheWire)
  return { joined, messages, final: textOf(final!.message) }
}

/** Every way to cut `text` into 2 and 3 pieces around the token, and into single characters. */
function chunkings(text: string): string[][] {
  const out: string[][] = [[...text]]
  const at = text.indexOf(TOKEN)
  for (let i = at; i <= at + TOKEN.length; i += 1) {
    out.push([text.slice(0, i), text.slice(i)])
    for (let j = i + 1; j <= at + TOKEN.length; j += 7) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)])
  }
  return out.map((c) => c.filter((p) => p !== ''))
}

describe('StreamRedactor on chat deltas', () => {
  const reply = `Sure. The gateway token is ${TOKEN} — keep it safe.`
  const expected = reply.split(TOKEN).join(REDACTED)

  it('never lets joined deltaTexts or message rebuild the token, split at every position into 2, 3 or many chunks', () => {
    const cases = chunkings(reply)
    expect(cases.length).toBeGreaterThan(TOKEN.length * 2)
    for (const [n, chunks] of cases.entries()) {
      const streams = new StreamRedactor([TOKEN])
      const seen = streamChat(streams, `run-${n}`, chunks)
      expect(seen.joined).not.toContain(TOKEN)
      for (const m of seen.messages) expect(m).not.toContain(TOKEN)
      expect(seen.final).toBe(expected)
      // The final extends what was streamed: the SDK appends the rest.
      expect(seen.final.startsWith(seen.joined)).toBe(true)
      expect(streams.size).toBe(0)
    }
  })

  it('holds back nothing and copies nothing when no tail could start the token', () => {
    const streams = new StreamRedactor([TOKEN])
    const payload = chatDelta('r', 'Hello there, ', 'Hello there, ')
    expect(streams.redact('chat', payload)[0]).toBe(payload)
    const next = chatDelta('r', 'how are you?', 'Hello there, how are you?')
    expect(streams.redact('chat', next)[0]).toBe(next)
  })

  it('holds back a tail that could start the token, then releases it unchanged when it does not', () => {
    const streams = new StreamRedactor([TOKEN])
    const [first] = streams.redact('chat', chatDelta('r', 'a tok-3f', 'a tok-3f'))
    expect(first).toMatchObject({ deltaText: 'a ', message: { content: [{ type: 'text', text: 'a ' }] } })
    const [second] = streams.redact('chat', chatDelta('r', 'oo is not the one', 'a tok-3foo is not the one'))
    expect(second).toMatchObject({
      deltaText: 'tok-3foo is not the one',
      message: { content: [{ type: 'text', text: 'a tok-3foo is not the one' }] },
    })
    // Clean again: the next delta passes as is.
    const third = chatDelta('r', '.', 'a tok-3foo is not the one.')
    expect(streams.redact('chat', third)[0]).toBe(third)
    // A text that ends in the token's first character holds that one back, until the next delta.
    const [fourth] = streams.redact('chat', chatDelta('r', ' Not it', 'a tok-3foo is not the one. Not it'))
    expect(fourth).toMatchObject({
      deltaText: ' Not i',
      message: { content: [{ text: 'a tok-3foo is not the one. Not i' }] },
    })
    const [final] = streams.redact('chat', chatFinal('r', 'a tok-3foo is not the one. Not it'))
    expect(final).toMatchObject({ message: { content: [{ text: 'a tok-3foo is not the one. Not it' }] } })
  })

  it('redacts every occurrence, back to back and across many chunks, and the text after it', () => {
    const text = `${TOKEN}${TOKEN} and ${TOKEN.slice(0, 10)} then ${TOKEN}!`
    for (const size of [1, 2, 3, 5, 8, 13, 40]) {
      const chunks: string[] = []
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size))
      const seen = streamChat(new StreamRedactor([TOKEN]), `r${size}`, chunks)
      expect(seen.final).toBe(`${REDACTED}${REDACTED} and ${TOKEN.slice(0, 10)} then ${REDACTED}!`)
      expect(seen.joined).not.toContain(TOKEN)
    }
  })

  it('drops the held tail when the text starts over (replace), and redacts the new text', () => {
    const streams = new StreamRedactor([TOKEN])
    const [a] = streams.redact('chat', chatDelta('r', `x ${TOKEN.slice(0, 20)}`, `x ${TOKEN.slice(0, 20)}`))
    expect(a!.deltaText).toBe('x ')
    const [reset] = streams.redact('chat', { ...chatDelta('r', '', ''), replace: true })
    expect(reset).toMatchObject({ deltaText: '', replace: true, message: { content: [{ text: '' }] } })
    const [b] = streams.redact('chat', chatDelta('r', `y ${TOKEN.slice(0, 5)}`, `y ${TOKEN.slice(0, 5)}`))
    expect(b!.deltaText).toBe('y ')
    const [c] = streams.redact('chat', chatDelta('r', `${TOKEN.slice(5)} z`, `y ${TOKEN} z`))
    expect(c).toMatchObject({ deltaText: `${REDACTED} z`, message: { content: [{ text: `y ${REDACTED} z` }] } })
    // The real gateway's replace carries the whole new text in deltaText.
    const [d] = streams.redact('chat', chatDelta('r', `again ${TOKEN}`, `again ${TOKEN}`, { replace: true }))
    expect(d).toMatchObject({
      deltaText: `again ${REDACTED}`,
      replace: true,
      message: { content: [{ text: `again ${REDACTED}` }] },
    })
  })

  it('takes the whole text as the truth when deltas were merged or skipped', () => {
    const streams = new StreamRedactor([TOKEN])
    streams.redact('chat', chatDelta('r', 'a ', 'a '))
    // One delta lost on the way: the message says more than the deltas did.
    const [out] = streams.redact('chat', chatDelta('r', TOKEN.slice(20), `a ${TOKEN}`)).map(onTheWire)
    expect(out!.deltaText).toBe(REDACTED)
    expect(textOf(out!.message)).toBe(`a ${REDACTED}`)
  })

  it('keeps runs apart', () => {
    const streams = new StreamRedactor([TOKEN])
    const [a] = streams.redact('chat', chatDelta('r1', TOKEN.slice(0, 10), TOKEN.slice(0, 10)))
    const [b] = streams.redact('chat', chatDelta('r2', TOKEN.slice(10), TOKEN.slice(10)))
    expect(a!.deltaText).toBe('')
    expect(b!.deltaText).toBe(TOKEN.slice(10))
    expect(streams.size).toBe(2)
    streams.redact('chat', { runId: 'r1', sessionKey: 's', state: 'error', errorMessage: 'x' })
    streams.redact('chat', { runId: 'r2', sessionKey: 's', state: 'aborted', message: message(TOKEN.slice(10)) })
    expect(streams.size).toBe(0)
  })
})

describe('StreamRedactor on agent assistant events', () => {
  const assistant = (runId: string, text: string, delta: string, itemId = 'item:1', extra: object = {}) => ({
    runId,
    sessionKey: 's',
    stream: 'assistant',
    data: { text, delta, itemId, ...extra },
    seq: 5,
    ts: 1,
  })
  const end = (runId: string) => ({
    runId,
    sessionKey: 's',
    stream: 'lifecycle',
    data: { phase: 'end' },
    seq: 9,
    ts: 2,
  })

  it('never lets joined deltas or text rebuild the token, and releases a held tail before the run ends', () => {
    const reply = `key: ${TOKEN}. ok ${TOKEN.slice(0, 12)}`
    for (const [n, chunks] of chunkings(reply).entries()) {
      const streams = new StreamRedactor([TOKEN])
      let full = ''
      let joined = ''
      let lastText = ''
      for (const chunk of chunks) {
        full += chunk
        for (const out of streams.redact('agent', assistant(`r${n}`, full, chunk))) {
          joined += (out.data as any).delta
          lastText = (out.data as any).text
          expect(lastText).toBe(joined)
        }
      }
      const outs = streams.redact('agent', end(`r${n}`))
      expect(outs.at(-1)!.stream).toBe('lifecycle')
      for (const out of outs.slice(0, -1)) {
        expect(out).toMatchObject({ runId: `r${n}`, sessionKey: 's', stream: 'assistant', seq: 9 })
        joined += (out.data as any).delta
        lastText = (out.data as any).text
      }
      expect(joined).toBe(`key: ${REDACTED}. ok ${TOKEN.slice(0, 12)}`)
      expect(lastText).toBe(joined)
      expect(streams.size).toBe(0)
    }
  })

  it('goes on across a new item without replace: the joined deltas never form the token, each item keeps its own text', () => {
    const streams = new StreamRedactor([TOKEN])
    const [a] = streams.redact('agent', assistant('r', `one ${TOKEN.slice(0, 15)}`, `one ${TOKEN.slice(0, 15)}`, 'i:1'))
    expect(a!.data).toMatchObject({ text: 'one ', delta: 'one ' })
    const [b] = streams.redact('agent', assistant('r', `${TOKEN.slice(15)} two`, `${TOKEN.slice(15)} two`, 'i:2'))
    expect(b!.data).toMatchObject({ text: `${REDACTED} two`, delta: `${REDACTED} two` })
    // An innocent tail is not lost: it goes first in the next item's delta.
    const [c] = streams.redact('agent', assistant('r', `${'x'} three t`, `${'x'} three t`, 'i:3'))
    expect(c!.data).toMatchObject({ text: 'x three ', delta: 'x three ' })
    const [d] = streams.redact('agent', assistant('r', 'no', 'no', 'i:4'))
    expect(d!.data).toMatchObject({ text: 'no', delta: 'tno' })
  })
})

describe('messages whose text parts form the token only together', () => {
  it('are redacted in finals and in chat.history, the placeholder where the token starts', () => {
    const streams = new StreamRedactor([TOKEN])
    const split = {
      role: 'assistant',
      content: [
        { type: 'text', text: `see ${TOKEN.slice(0, 9)}` },
        { type: 'toolCall', id: 'c1', name: 'read', arguments: {} },
        { type: 'text', text: TOKEN.slice(9, 30) },
        { type: 'text', text: `${TOKEN.slice(30)} end` },
      ],
    }
    const [final] = streams.redact('chat', { runId: 'r', sessionKey: 's', state: 'final', message: split })
    expect((final!.message as any).content.map((p: any) => p.text)).toEqual([`see ${REDACTED}`, undefined, '', ' end'])
    const history = streams.history({ sessionKey: 'main', messages: [{ role: 'user', content: 'hi' }, split] }) as any
    expect(textOf(history.messages[1])).toBe(`see ${REDACTED} end`)
    expect(history.messages[1].content[1]).toEqual(split.content[1])
    const untouched = {
      sessionKey: 'main',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    }
    expect(streams.history(untouched)).toBe(untouched)
  })
})
