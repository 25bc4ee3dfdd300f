import { describe, expect, it, vi } from 'vitest'
import type { ChatMessage } from '@clawchat/protocol'
import { backoffDelay } from '../src/backoff.js'
import { Emitter } from '../src/events.js'
import { findReply, textOfMessage } from '../src/history-match.js'
import { uuid } from '../src/ids.js'
import { RECONNECT_DEFAULTS } from '../src/options.js'
import { SendQueue } from '../src/send-queue.js'
import { loggedOut, sessionUrl } from '../src/session-check.js'

describe('backoffDelay', () => {
  const o = { ...RECONNECT_DEFAULTS, initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5, longDelayMs: 5000 }
  it('grows exponentially per failure up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 'backoff', o, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })
  it('takes off a random share of up to `jitter`', () => {
    expect(backoffDelay(3, 'backoff', o, () => 1)).toBe(200)
    expect(backoffDelay(3, 'backoff', o, () => 0.5)).toBe(300)
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(3, 'backoff', o)))
    expect(seen.size).toBeGreaterThan(5)
    for (const d of seen) expect(d >= 200 && d <= 400).toBe(true)
  })
  it('reconnect-now is 0; backoff-long waits at least longDelayMs (jittered)', () => {
    expect(backoffDelay(4, 'reconnect-now', o)).toBe(0)
    expect(backoffDelay(1, 'backoff-long', o, () => 0)).toBe(5000)
    expect(backoffDelay(1, 'backoff-long', o, () => 1)).toBe(2500)
  })
})

describe('history-match', () => {
  const a = (text: string, extra: object = {}): ChatMessage => ({
    role: 'assistant',
    content: [{ type: 'text', text }],
    ...extra,
  })
  const u = (text: string, extra: object = {}): ChatMessage => ({ role: 'user', content: text, ...extra })
  it('textOfMessage reads strings and text parts', () => {
    expect(textOfMessage(a('x'))).toBe('x')
    expect(
      textOfMessage({
        role: 'assistant',
        content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'text', text: 'b' }],
      }),
    ).toBe('ab')
    expect(textOfMessage(u('hi'))).toBe('hi')
    expect(textOfMessage(undefined)).toBeUndefined()
  })
  it('by position: the last user message with the text, then the last assistant message before the next user message', () => {
    const m = [
      u('hi'),
      a('old'),
      u('hi'),
      a('step'),
      { role: 'toolResult', content: 'x' },
      a('new'),
      u('later'),
      a('not this'),
    ]
    expect(findReply(m, 'hi', 'r')).toEqual({ user: true, reply: m[5] })
  })
  it('by run id when rows name their run', () => {
    const m = [
      u('hi', { idempotencyKey: 'r1:user' }),
      a('one', { __openclaw: { runId: 'r1' } }),
      u('hi', { idempotencyKey: 'r2:user' }),
      a('two', { __openclaw: { runId: 'r2' } }),
    ]
    expect(findReply(m, 'hi', 'r1').reply).toBe(m[1])
    expect(findReply(m, 'hi', 'r2').reply).toBe(m[3])
  })
  it('exact when the proxy names the runs: a recovery reply attributed to the run, never a [System] stop', () => {
    const m = [
      u('hi', { runId: 'r1' }),
      u('[System] Your previous turn was interrupted by a gateway restart'),
      a('recovered answer', { runId: 'r1' }),
    ]
    expect(findReply(m, 'hi', 'r1')).toEqual({ user: true, reply: m[2] })
  })
  it("exact when the proxy names the runs: another run's reply is never taken", () => {
    const m = [u('hi', { runId: 'r1' }), a('not mine', { runId: 'r0' }), a('no run named')]
    expect(findReply(m, 'hi', 'r1')).toEqual({ user: true })
    expect(findReply([u('hi'), a('of r0', { runId: 'r0' })], 'hi', 'r1')).toEqual({ user: true })
  })
  it('says whether the user message is there when there is no reply yet', () => {
    expect(findReply([u('hi')], 'hi', 'r')).toEqual({ user: true })
    expect(findReply([u('other'), a('x')], 'hi', 'r')).toEqual({ user: false })
    expect(findReply([], 'hi', 'r')).toEqual({ user: false })
  })
})

describe('SendQueue', () => {
  it('is bounded and keeps call order, also for requeued items', () => {
    const q = new SendQueue<{ seq: number }>(2)
    const [one, two, three, four] = [1, 2, 3, 4].map((seq) => ({ seq }))
    expect(q.push(two!)).toBe(true)
    expect(q.push(four!)).toBe(true)
    expect(q.push(three!)).toBe(false)
    q.requeue(one!)
    q.requeue(one!)
    expect(q.drain((x) => x.seq !== 4)).toEqual([one, two])
    expect(q.drain()).toEqual([four])
    expect(q.remove(four!)).toBe(false)
  })
})

describe('Emitter', () => {
  it('calls listeners, removes them, and reports a throwing listener on "error"', () => {
    const e = new Emitter()
    const seen: unknown[] = []
    const errors: Error[] = []
    e.on('error', (err) => errors.push(err))
    const off = e.on('x', (p) => seen.push(p))
    e.on('x', () => {
      throw new Error('listener bug')
    })
    e.emit('x', 1)
    off()
    e.emit('x', 2)
    expect(seen).toEqual([1])
    expect(errors.map((x) => x.message)).toEqual(['listener bug', 'listener bug'])
  })
  it('a throwing "error" listener goes to console.error, not into a loop', () => {
    const e = new Emitter()
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    e.on('error', () => {
      throw new Error('again')
    })
    e.emit('error', new Error('first'))
    expect(spy).toHaveBeenCalledOnce()
    spy.mockRestore()
  })
})

describe('session check and ids', () => {
  it('sessionUrl maps the socket URL to <path>/session over http(s)', () => {
    expect(sessionUrl('wss://app.example/clawchat')).toBe('https://app.example/clawchat/session')
    expect(sessionUrl('ws://127.0.0.1:3000/api/clawchat/?x=1')).toBe('http://127.0.0.1:3000/api/clawchat/session')
  })
  it('loggedOut is true only for a 401, and false when fetch fails', async () => {
    const f = (status: number) => async () => ({ status })
    expect(await loggedOut(f(401), 'ws://h/clawchat', 1000)).toBe(true)
    expect(await loggedOut(f(503), 'ws://h/clawchat', 1000)).toBe(false)
    expect(await loggedOut(f(200), 'ws://h/clawchat', 1000)).toBe(false)
    expect(
      await loggedOut(
        async () => {
          throw new Error('offline')
        },
        'ws://h/clawchat',
        1000,
      ),
    ).toBe(false)
  })
  it('uuid makes v4 UUIDs, also without crypto.randomUUID (insecure contexts)', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    expect(uuid()).toMatch(v4)
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true })
    try {
      const ids = new Set(Array.from({ length: 100 }, () => uuid()))
      expect(ids.size).toBe(100)
      for (const id of ids) expect(id).toMatch(v4)
    } finally {
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID
    }
    expect(uuid()).toMatch(v4)
  })
})
