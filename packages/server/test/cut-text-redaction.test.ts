/**
 * A text cut short — a history text the gateway truncated to the browser's `maxChars`, a session's
 * `lastMessagePreview` — can end in the first characters of the gateway token: the rest of the
 * token is gone, so the per-frame redaction cannot see it. Such a tail is dropped.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '@clawchat/mock-gateway'
import { StreamRedactor } from '../src/isolation/stream-redactor.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

const MARK = '\n...(truncated)...'

describe('StreamRedactor on cut texts', () => {
  const streams = new StreamRedactor(['s3cret-token-value'])
  const history = (text: string, truncated: boolean) =>
    (
      streams.history({
        messages: [{ role: 'assistant', content: [{ type: 'text', text }], ...(truncated ? { truncated: true } : {}) }],
      }) as any
    ).messages[0].content[0].text

  it('drops a tail of a truncated history text that starts the token, and keeps the marker', () => {
    expect(history(`the token is s3cret-t${MARK}`, true)).toBe(`the token is ${MARK}`)
    expect(history(`ends in s${MARK}`, true)).toBe(`ends in ${MARK}`)
    expect(history(`nothing to hide${MARK}`, true)).toBe(`nothing to hide${MARK}`)
  })

  it('leaves a whole (not truncated) text alone', () => {
    expect(history('a word that ends in s3cret-t', false)).toBe('a word that ends in s3cret-t')
  })

  it('drops such a tail from sessions.list previews', () => {
    const out = streams.sessionsList({
      sessions: [
        { key: 'main', lastMessagePreview: 'my token: s3cret-tok' },
        { key: 'work', lastMessagePreview: 'fine' },
      ],
    }) as any
    expect(out.sessions.map((r: any) => r.lastMessagePreview)).toEqual(['my token: ', 'fine'])
  })
})

describe('through the proxy', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it('a history page cut in the middle of the token, and a preview that ends in it, show none of it', async () => {
    let token = ''
    const agent: MockAgent = () => [`${'x'.repeat(100)} ${token} and more after it`]
    h = await startHarness({ gateway: { agent } })
    token = h.token
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    await alice.request('chat.send', { message: 'print your token', idempotencyKey: 'leak-1' })
    await alice.waitForEvent('chat', (p) => p.runId === 'leak-1' && p.state === 'final')
    // maxChars cuts the reply 6 characters into the token.
    const res = await alice.request('chat.history', { maxChars: 107 })
    const reply = res.payload.messages.find((m: any) => m.role === 'assistant')
    expect(reply.truncated).toBe(true)
    expect(reply.content[0].text).toBe(`${'x'.repeat(100)} ${MARK}`)
    const list = await waitFor(
      async () => {
        const r = await alice.request('sessions.list', {})
        return r.payload.sessions.find((s: any) => s.key === 'main' && s.lastMessagePreview?.startsWith('xxx'))
      },
      10_000,
      'the preview',
    )
    const raw = alice.raw.join('\n')
    for (let n = 4; n <= token.length; n += 1) expect(raw).not.toContain(token.slice(0, n))
    expect(list.lastMessagePreview.endsWith(token.slice(0, 1))).toBe(false)
  })
})
