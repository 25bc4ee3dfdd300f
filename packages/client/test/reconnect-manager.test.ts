/**
 * The reconnect manager on its own: scripted sockets and a clock the test moves, so every delay is
 * checked exactly (no wall clock).
 */
import { describe, expect, it } from 'vitest'
import { ReconnectManager, type SocketEnd } from '../src/reconnect-manager.js'
import type { ResolvedReconnect, WebSocketLike } from '../src/options.js'
import { FakeClock } from './helpers/fake-clock.js'

const O: ResolvedReconnect = {
  initialDelayMs: 100,
  maxDelayMs: 800,
  factor: 2,
  jitter: 0,
  longDelayMs: 5000,
  connectTimeoutMs: 1000,
}

class TestSocket implements WebSocketLike {
  readyState = 0
  readonly sent: string[] = []
  closedWith: [number | undefined, string | undefined] | undefined
  readonly #listeners = new Map<string, ((event: unknown) => void)[]>()

  constructor(readonly url: string) {}

  addEventListener(type: string, fn: (event: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn])
  }
  send(data: string): void {
    this.sent.push(data)
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason]
    this.readyState = 2
  }
  emit(type: string, event: object = {}): void {
    for (const fn of this.#listeners.get(type) ?? []) fn(event)
  }
  /** The server accepts the upgrade. */
  open(): void {
    this.readyState = 1
    this.emit('open')
  }
  /** The connection ends with `code` (an `error` first, as browsers do for 1006). */
  end(code: number, reason = ''): void {
    this.readyState = 3
    if (code === 1006) this.emit('error')
    this.emit('close', { code, reason })
  }
}

/** A manager on scripted sockets; `sockets` fills as it connects, `ends` as it reports. */
async function setup(o: Partial<ResolvedReconnect> = {}, random = () => 0) {
  const clock = new FakeClock()
  const sockets: TestSocket[] = []
  const ends: SocketEnd[] = []
  const messages: string[] = []
  let opens = 0
  const WS = class extends TestSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
  }
  const hooks = {
    open: () => void opens++,
    message: (d: string) => void messages.push(d),
    end: (e: SocketEnd) => void ends.push(e),
  }
  const manager = new ReconnectManager('ws://h/clawchat', WS, { ...O, ...o }, hooks, clock, random)
  await Promise.resolve() // the first attempt starts in a microtask
  return { manager, clock, sockets, ends, messages, opens: () => opens }
}

describe('ReconnectManager', () => {
  it('connects at once, passes on open and text messages, and writes only while open', async () => {
    const { manager, sockets, messages, opens } = await setup()
    expect(sockets).toHaveLength(1)
    expect(sockets[0]!.url).toBe('ws://h/clawchat')
    expect(manager.send('early')).toBe(false)
    sockets[0]!.open()
    expect(opens()).toBe(1)
    expect(manager.isOpen).toBe(true)
    expect(manager.send('x')).toBe(true)
    sockets[0]!.emit('message', { data: 'frame' })
    sockets[0]!.emit('message', { data: new ArrayBuffer(2) })
    expect(sockets[0]!.sent).toEqual(['x'])
    expect(messages).toEqual(['frame'])
  })

  it('backs off exponentially up to maxDelayMs while attempts fail, never earlier', async () => {
    const { clock, sockets, ends } = await setup()
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      sockets.at(-1)!.end(1006)
      waits.push(clock.pending()[0]!)
      clock.advance(waits.at(-1)! - 1)
      expect(sockets).toHaveLength(i + 1)
      clock.advance(1)
      expect(sockets).toHaveLength(i + 2)
    }
    expect(waits).toEqual([100, 200, 400, 800, 800])
    expect(ends.map((e) => [e.code, e.action, e.opened])).toEqual(Array(5).fill([1006, 'backoff', false]))
  })

  it('starts the backoff over once a connection reached a session (markHealthy), not merely opened', async () => {
    const { manager, clock, sockets, ends } = await setup()
    sockets[0]!.open()
    sockets[0]!.end(1006)
    clock.advance(100)
    sockets[1]!.open()
    sockets[1]!.end(1006)
    expect(clock.pending()).toEqual([200])
    clock.advance(200)
    sockets[2]!.open()
    manager.markHealthy()
    sockets[2]!.end(1012)
    expect(clock.pending()).toEqual([100])
    expect(ends.map((e) => [e.opened, e.healthy])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ])
  })

  it('follows the close-code table: 4408 at once, 4429 long, 1009 and 1013 with their actions, 4401 stops for good', async () => {
    const { clock, sockets, ends } = await setup()
    sockets[0]!.open()
    sockets[0]!.end(4408)
    expect(clock.pending()).toEqual([0])
    clock.advance(0)
    sockets[1]!.end(4429)
    expect(clock.pending()).toEqual([5000])
    clock.advance(5000)
    sockets[2]!.end(1009)
    clock.advance(clock.pending()[0]!)
    sockets[3]!.end(1013)
    clock.advance(clock.pending()[0]!)
    sockets[4]!.end(4401, 'logged out')
    expect(clock.pending()).toEqual([])
    clock.advance(60_000)
    expect(sockets).toHaveLength(5)
    expect(ends.map((e) => e.action)).toEqual([
      'reconnect-now',
      'backoff-long',
      'reconnect-drop-oversized',
      'reconnect-resync',
      'stop',
    ])
    expect(ends.at(-1)).toMatchObject({ code: 4401, reason: 'logged out' })
  })

  it('gives up on a socket that does not open within connectTimeoutMs, closes it, and tries again', async () => {
    const { clock, sockets, ends } = await setup()
    clock.advance(999)
    expect(ends).toHaveLength(0)
    clock.advance(1)
    expect(sockets[0]!.closedWith).toBeDefined()
    expect(ends).toEqual([{ code: 1006, reason: 'connect timeout', action: 'backoff', opened: false, healthy: false }])
    sockets[0]!.end(1006) // the late close of the dropped socket is not reported again
    expect(ends).toHaveLength(1)
    clock.advance(100)
    expect(sockets).toHaveLength(2)
  })

  it('restart() closes the socket (1000 and the reason), reports it once, and reconnects after the backoff', async () => {
    const { manager, clock, sockets, ends } = await setup()
    sockets[0]!.open()
    manager.restart('no heartbeat')
    expect(sockets[0]!.closedWith).toEqual([1000, 'no heartbeat'])
    expect(ends).toEqual([{ code: 4000, reason: 'no heartbeat', action: 'backoff', opened: true, healthy: false }])
    sockets[0]!.end(1000)
    expect(ends).toHaveLength(1)
    expect(manager.send('x')).toBe(false)
    clock.advance(100)
    expect(sockets).toHaveLength(2)
  })

  it('retryNow() ends a backoff wait at once, and does nothing while a socket is in use', async () => {
    const { manager, sockets } = await setup({ initialDelayMs: 60_000 })
    manager.retryNow()
    expect(sockets).toHaveLength(1)
    sockets[0]!.end(1006)
    manager.retryNow()
    expect(sockets).toHaveLength(2)
  })

  it('close() closes the socket with its code and reason and never reconnects; later events are ignored', async () => {
    const { manager, clock, sockets, ends, messages } = await setup()
    sockets[0]!.open()
    manager.close(1000, 'closed')
    expect(sockets[0]!.closedWith).toEqual([1000, 'closed'])
    sockets[0]!.emit('message', { data: 'late' })
    sockets[0]!.end(1000)
    manager.retryNow()
    clock.advance(60_000)
    expect(sockets).toHaveLength(1)
    expect(ends).toEqual([])
    expect(messages).toEqual([])
  })

  it('close() during a backoff wait cancels the next attempt', async () => {
    const { manager, clock, sockets } = await setup()
    sockets[0]!.end(1006)
    manager.close()
    expect(clock.pending()).toEqual([])
    clock.advance(60_000)
    expect(sockets).toHaveLength(1)
  })

  it('a WebSocket constructor that throws counts as a failed attempt and is retried', async () => {
    const clock = new FakeClock()
    const ends: SocketEnd[] = []
    let calls = 0
    const Throwing = class extends TestSocket {
      constructor(url: string) {
        super(url)
        if (++calls === 1) throw new SyntaxError('blocked by the page policy')
      }
    }
    new ReconnectManager('ws://h/x', Throwing, O, { open() {}, message() {}, end: (e) => ends.push(e) }, clock)
    await Promise.resolve()
    expect(ends).toEqual([{ code: 1006, reason: 'connect failed', action: 'backoff', opened: false, healthy: false }])
    clock.advance(100)
    expect(calls).toBe(2)
  })

  it('takes the jitter from the injected random source', async () => {
    const { clock, sockets } = await setup({ jitter: 0.5 }, () => 1)
    sockets[0]!.end(1006)
    expect(clock.pending()).toEqual([50])
  })
})
