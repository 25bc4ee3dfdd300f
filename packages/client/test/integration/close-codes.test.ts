/** The close-code table against the real proxy: what the proxy closes with, and what the SDK does. */
import { afterEach, describe, expect, it } from 'vitest'
import type { StreamPart } from '../../src/index.js'
import { replyTo, startStack, transcript, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

describe('close codes from the real proxy', () => {
  it('4408 (maximum lifetime) in the middle of a stream: reconnects at once, the stream completes once', async () => {
    stack = await startStack({ limits: { maxLifetimeMs: 1000 }, gateway: { chunkDelayMs: 150 } })
    const chat = stack.client(await stack.login('ada'), { reconnect: { initialDelayMs: 5000, jitter: 0 } })
    const closes: number[] = []
    const gaps: number[] = []
    chat.on('state', (s) => {
      if (s.state === 'reconnecting') closes.push(Date.now())
      if (s.state === 'open' && s.previous === 'reconnecting') gaps.push(Date.now() - closes.at(-1)!)
    })
    const parts: StreamPart[] = []
    for await (const part of chat.stream('long enough to outlive the socket')) parts.push(part)
    const expected = replyTo('long enough to outlive the socket')
    // The backoff is 5 s: back within well under that means the reconnect after 4408 was immediate.
    expect(closes.length).toBeGreaterThanOrEqual(1)
    expect(gaps.length).toBe(closes.length)
    for (const gap of gaps) expect(gap).toBeLessThan(2500)
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: expected })
    expect(parts.map((p) => p.deltaText).join('')).toBe(expected)
    expect(await transcript(chat)).toEqual({ user: ['long enough to outlive the socket'], assistant: [expected] })
  })

  it('too many connections for this user (this proxy refuses the upgrade with 429: a browser sees 1006): the session check says "logged in", the SDK keeps backing off and connects once a slot is free', async () => {
    stack = await startStack({ limits: { connectionsPerUser: 1 } })
    const cookie = await stack.login('bob')
    const first = stack.client(cookie)
    await first.ready
    const checks: number[] = []
    const second = stack.client(cookie, {
      reconnect: { initialDelayMs: 50, maxDelayMs: 100, jitter: 0 },
      fetch: async (url, init) => {
        const res = await fetch(url, { ...init, headers: { cookie } })
        checks.push(res.status)
        return res
      },
    })
    await until(() => checks.length >= 2, 'two session checks')
    expect(checks.every((s) => s === 200)).toBe(true)
    expect(second.state).toBe('connecting')
    first.close()
    await second.ready
    expect(second.state).toBe('open')
    expect(second.closeReason).toBeUndefined()
  })

  it('a request over the proxy maxPayload is refused before it leaves (no 1009 for everyone else)', async () => {
    stack = await startStack({ limits: { maxPayload: 2048 } })
    const chat = stack.client(await stack.login('cyd'))
    await chat.ready
    await expect(chat.send('x'.repeat(4000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    expect(chat.state).toBe('open')
    await expect(chat.send('small')).resolves.toMatchObject({ status: 'started' })
  })

  it('1012 (proxy shutting down) then back: reconnects with backoff and resyncs', async () => {
    stack = await startStack()
    const chat = stack.client(await stack.login('dan'))
    await chat.ready
    const resyncs: string[] = []
    chat.on('resync', (r) => resyncs.push(r.reason))
    await stack.restartProxy(200)
    await until(() => chat.state === 'open' && resyncs.length > 0, 'reconnected')
    expect(resyncs).toContain('reconnect')
    await expect(chat.history()).resolves.toMatchObject({ messages: [] })
  })
})
