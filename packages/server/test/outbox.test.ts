/**
 * The outbox of one browser socket: events numbered with `seq`, answers in OpenClaw's `res` shape,
 * the token redacted from every frame, a turn's frames corked into one write, and the outbound
 * high-water mark — a browser behind on reading is a slow consumer, never waited for.
 */
import { Duplex } from 'node:stream'
import { CorkCounter } from './helpers/cork-counter.js'
import { describe, expect, it } from 'vitest'
import { corkable, Outbox } from '../src/connection/outbox.js'
import { createRedactor } from '../src/common/errors.js'

const TOKEN = 'gw-token-0123456789abcdef'

/** The part of a `ws` socket the outbox writes to; a send queues its bytes (the browser does not read). */
class FakeSocket {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  readonly sent: Array<Record<string, any>> = []
  readonly raw: string[] = []
  send(data: Buffer) {
    this.raw.push(data.toString())
    this.sent.push(JSON.parse(data.toString()) as Record<string, any>)
    this.bufferedAmount += data.length
  }
}

function outbox(options: { highWaterMark?: number; raw?: Duplex } = {}) {
  const socket = new FakeSocket()
  const slow: number[] = []
  const box = new Outbox({
    socket,
    raw: options.raw,
    redact: createRedactor([TOKEN]),
    highWaterMark: options.highWaterMark ?? 1024,
    onSlowConsumer: (buffered) => slow.push(buffered),
  })
  return { socket, box, slow }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('Outbox', () => {
  it('numbers events with seq from 1; answers and unnumbered frames carry none', () => {
    const { socket, box } = outbox()
    box.send({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n' } })
    box.event('clawchat.session', { user: { id: 'alice' } })
    box.respond('1', { ok: 1 })
    box.respondError('2', { code: 'INVALID_REQUEST', message: 'bad' })
    box.event('tick', { ts: 1 })
    expect(socket.sent).toEqual([
      { type: 'event', event: 'connect.challenge', payload: { nonce: 'n' } },
      { type: 'event', event: 'clawchat.session', payload: { user: { id: 'alice' } }, seq: 1 },
      { type: 'res', id: '1', ok: true, payload: { ok: 1 } },
      { type: 'res', id: '2', ok: false, error: { code: 'INVALID_REQUEST', message: 'bad' } },
      { type: 'event', event: 'tick', payload: { ts: 1 }, seq: 2 },
    ])
  })

  it('never sends the gateway token', () => {
    const { socket, box } = outbox()
    box.respondError('1', { code: 'UNAVAILABLE', message: `upstream said ${TOKEN}` })
    box.event('chat', { text: `a ${TOKEN} b` })
    expect(socket.raw.join('\n')).not.toContain(TOKEN)
    expect(socket.sent[0]!.error.message).toMatch(/^upstream said /)
  })

  it('sends nothing once the socket is not open', () => {
    const { socket, box } = outbox()
    socket.readyState = 2
    box.event('tick', { ts: 1 })
    box.respond('1', {})
    expect(socket.sent).toEqual([])
  })

  it('a frame onto an empty queue goes, however large; onto a queue past the mark, the browser is a slow consumer', () => {
    const { socket, box, slow } = outbox({ highWaterMark: 100 })
    box.event('chat', { text: 'x'.repeat(500) }) // queue empty: sent
    expect(socket.sent).toHaveLength(1)
    expect(slow).toEqual([])
    const queued = socket.bufferedAmount
    box.event('chat', { text: 'more' }) // queue non-empty and over the mark: not sent
    expect(socket.sent).toHaveLength(1)
    expect(slow).toEqual([queued])
  })

  it('below the mark, frames wait on the queue as usual', () => {
    const { socket, box, slow } = outbox({ highWaterMark: 10_000 })
    for (let i = 0; i < 10; i++) box.event('chat', { i })
    expect(socket.sent.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(slow).toEqual([])
  })

  it("corks a turn's frames into one write, uncorked on the next tick or by flush()", async () => {
    const raw = new CorkCounter()
    const { socket, box } = outbox({ raw })
    box.event('a', {})
    box.event('b', {})
    box.respond('1', {})
    expect([raw.corks, raw.uncorks]).toEqual([1, 0])
    await nextTurn()
    expect([raw.corks, raw.uncorks]).toEqual([1, 1])
    box.event('c', {})
    box.flush() // a close goes after this turn's frames, not held back
    box.flush()
    expect([raw.corks, raw.uncorks]).toEqual([2, 2])
    expect(socket.sent.map((f) => f.event ?? f.id)).toEqual(['a', 'b', '1', 'c'])
  })

  it('while corked, a turn that began on an empty queue is not judged by its own frames', async () => {
    const raw = new CorkCounter()
    const { socket, box, slow } = outbox({ raw, highWaterMark: 200 })
    for (let i = 0; i < 10; i++) box.event('chat', { text: 'y'.repeat(50) }) // 10 × ~90 bytes, one turn
    expect(socket.sent).toHaveLength(10)
    expect(slow).toEqual([])
    await nextTurn()
    // The next turn begins with the browser behind (nothing was read): judged on the queue.
    box.event('chat', { text: 'z' })
    expect(socket.sent).toHaveLength(10)
    expect(slow).toEqual([socket.bufferedAmount])
  })
})

describe('corkable', () => {
  it("takes the socket given, else ws's own, and only one that can cork", () => {
    const given = new CorkCounter()
    const own = new CorkCounter()
    expect(corkable(given, { _socket: own })).toBe(given)
    expect(corkable(undefined, { _socket: own })).toBe(own)
    expect(corkable(undefined, {})).toBeUndefined()
    expect(corkable(undefined, { _socket: { write() {} } })).toBeUndefined()
  })
})
