/**
 * Issue 19.3, what an idle connection costs: the bookkeeping behind each open browser socket — the
 * registry (a user's and a session's connections, one or many), the heartbeat (pings, pongs, the
 * dead socket found and the closed one forgotten) — behaves as before with the leaner structures
 * that let one process hold 10,000 idle connections in ≤ 8 KiB each (bench scenario 4).
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { WebSocket } from 'ws'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConnectionRegistry } from '../src/connection/registry.js'
import { startHeartbeat } from '../src/connection/heartbeat.js'
import { startHarness, type Harness } from './helpers/harness.js'

/** A full garbage collection (`--expose-gc` for this call only). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

interface Conn {
  connId: string
  userId: string
  sessionId: string | undefined
}

const conn = (connId: string, userId: string, sessionId?: string): Conn => ({ connId, userId, sessionId })

describe('the connection registry', () => {
  it("finds a user's and a session's connections, one or many, as they come and go", () => {
    const registry = new ConnectionRegistry<Conn>()
    const a1 = conn('a1', 'alice', 's-a')
    const a2 = conn('a2', 'alice', 's-a')
    const a3 = conn('a3', 'alice', 's-a2')
    const b1 = conn('b1', 'bob')
    registry.add(a1)
    registry.add(b1)
    expect(registry.forUser('alice')).toEqual([a1])
    expect(registry.countForUser('alice')).toBe(1)
    registry.add(a2)
    registry.add(a3)
    expect(registry.forUser('alice')).toEqual([a1, a2, a3])
    expect(registry.countForUser('alice')).toBe(3)
    expect(registry.forSession('s-a')).toEqual([a1, a2])
    expect(registry.forSession('s-a2')).toEqual([a3])
    expect(registry.sessionIds().sort()).toEqual(['s-a', 's-a2'])
    expect(registry.forUser('bob')).toEqual([b1])
    expect(registry.forUser('carol')).toEqual([])
    expect(registry.countForUser('carol')).toBe(0)

    registry.remove(a1)
    registry.remove(a3)
    expect(registry.forUser('alice')).toEqual([a2])
    expect(registry.forSession('s-a')).toEqual([a2])
    expect(registry.sessionIds().sort()).toEqual(['s-a'])
    registry.remove(a2)
    registry.remove(a2) // twice: nothing more happens
    expect(registry.forUser('alice')).toEqual([])
    expect(registry.countForUser('alice')).toBe(0)
    expect(registry.forSession('s-a')).toEqual([])
    expect(registry.userCount).toBe(1)
    expect(registry.size).toBe(1)
    expect(registry.list()).toEqual([b1])
  })

  it('counts a connection added twice once, and hands out copies that closing cannot disturb', () => {
    const registry = new ConnectionRegistry<Conn>()
    const a1 = conn('a1', 'alice', 's')
    const a2 = conn('a2', 'alice', 's')
    registry.add(a1)
    registry.add(a1)
    expect(registry.countForUser('alice')).toBe(1)
    registry.add(a2)
    const seen = registry.forUser('alice')
    for (const c of seen) registry.remove(c)
    expect(seen).toEqual([a1, a2])
    expect(registry.countForUser('alice')).toBe(0)
    expect(registry.userCount).toBe(0)
  })
})

/** A socket as the heartbeat sees it: pings counted, pongs and closes emitted by the test. */
class FakeSocket extends EventEmitter {
  pings = 0
  terminated = false
  answers = true
  ping(): void {
    this.pings += 1
    if (this.answers) queueMicrotask(() => this.emit('pong'))
  }
  terminate(): void {
    this.terminated = true
  }
}

describe('the heartbeat', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('pings every socket each round, keeps those that answer, and reports one that does not, once', async () => {
    vi.useFakeTimers()
    const heartbeat = startHeartbeat(1000)
    const alive = new FakeSocket()
    const dead = new FakeSocket()
    dead.answers = false
    const deaths: string[] = []
    heartbeat.watch(alive as unknown as WebSocket, () => deaths.push('alive'))
    heartbeat.watch(dead as unknown as WebSocket, () => deaths.push('dead'))
    expect(heartbeat.size).toBe(2)
    await vi.advanceTimersByTimeAsync(1000)
    expect([alive.pings, dead.pings]).toEqual([1, 1])
    expect(deaths).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    expect(deaths).toEqual(['dead'])
    expect(heartbeat.size).toBe(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(deaths).toEqual(['dead'])
    expect(alive.pings).toBe(5)
    expect(dead.pings).toBe(1)
    heartbeat.stop()
  })

  it('forgets a socket once it closes, and one that stops answering is found by the next round', async () => {
    vi.useFakeTimers()
    const heartbeat = startHeartbeat(1000)
    const a = new FakeSocket()
    const b = new FakeSocket()
    const deaths: string[] = []
    heartbeat.watch(a as unknown as WebSocket, () => deaths.push('a'))
    heartbeat.watch(b as unknown as WebSocket, () => deaths.push('b'))
    await vi.advanceTimersByTimeAsync(1000)
    a.emit('close')
    expect(heartbeat.size).toBe(1)
    b.answers = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(deaths).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    expect(deaths).toEqual(['b'])
    expect(a.pings).toBe(1)
    expect(heartbeat.size).toBe(0)
    heartbeat.stop()
  })

  it('terminates a dead socket whose handler throws', async () => {
    vi.useFakeTimers()
    const heartbeat = startHeartbeat(1000)
    const dead = new FakeSocket()
    dead.answers = false
    heartbeat.watch(dead as unknown as WebSocket, () => {
      throw new Error('boom')
    })
    await vi.advanceTimersByTimeAsync(2000)
    expect(dead.terminated).toBe(true)
    heartbeat.stop()
  })
})

describe('an open connection', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it("keeps neither its upgrade request nor the session middleware's objects once it is open", async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const requests: WeakRef<IncomingMessage>[] = []
    const sessions: WeakRef<object>[] = []
    h.server.prependListener('upgrade', (req: IncomingMessage) => {
      requests.push(new WeakRef(req))
      // express-session adds `req.session` while the gate runs, later in this turn.
      setImmediate(() => {
        const session = (req as { session?: object }).session
        if (session) sessions.push(new WeakRef(session))
      })
    })
    const client = await h.connectAs({ id: 'alice' })
    await client.request('chat.history', { sessionKey: 'main' })
    expect(requests).toHaveLength(1)
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setImmediate(resolve))
      collectGarbage()
    }
    expect(h.proxy.stats().connections).toBe(1)
    expect(requests[0]?.deref()).toBeUndefined()
    expect(sessions.every((s) => s.deref() === undefined)).toBe(true)
  })
})
