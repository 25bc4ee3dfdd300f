import { describe, expect, it } from 'vitest'
import { messageText } from '../src/index.js'

describe('messageText (exported by the SDK)', () => {
  it('returns string content as it is', () => {
    expect(messageText('Hello')).toBe('Hello')
    expect(messageText('')).toBe('')
  })

  it('joins the text of the parts of a content array', () => {
    expect(
      messageText([
        { type: 'text', text: 'Hello, ' },
        { type: 'text', text: 'world' },
      ]),
    ).toBe('Hello, world')
  })

  it('skips parts without text (images, nulls, non-string text)', () => {
    expect(
      messageText([
        { type: 'image', source: { data: 'xx' } },
        { type: 'text', text: 'a' },
        null,
        'loose string',
        { type: 'text', text: 42 },
        { type: 'text', text: 'b' },
      ]),
    ).toBe('ab')
  })

  it('is empty for anything that is not content', () => {
    for (const c of [undefined, null, 3, { text: 'not an array' }, []]) expect(messageText(c)).toBe('')
  })
})
