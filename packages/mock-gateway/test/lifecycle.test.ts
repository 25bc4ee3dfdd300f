import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness, TOKEN, until } from './helpers/harness.js'
import { connectParams, RawClient } from './helpers/raw-client.js'

/** close(), restart(), crash(), stall()/resume(), write delay and the test hooks of the handle. */
const h = new Harness()
afterEach(() => h.cleanup())

/** Whether something accepts TCP connections on the port. */
function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('close()', () => {
  it('sends shutdown then closes 1012, stops listening, and is idempotent', async () => {
    const gw = await h.gateway()
    const a = await h.connected(gw)
    const pending = await h.client(gw)
    await gw.close()
    const closeA = await a.closed
    expect(closeA.code).toBe(1012)
    expect(a.events('shutdown')[0].payload).toEqual({ reason: 'gateway stopping' })
    expect((await pending.closed).code).toBe(1012)
    expect(pending.events('shutdown')).toEqual([])
    expect(gw.listening).toBe(false)
    expect(await portAccepts(gw.port)).toBe(false)
    await gw.close()
  })

  it('lets a running chat finish first (real SIGTERM behaviour), then shuts down', async () => {
    const gw = await h.gateway({ agent: () => ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 60 })
    const c = await h.connected(gw)
    await c.request('chat.send', { sessionKey: 'main', message: 'm', idempotencyKey: 'drain-1' })
    await c.event('chat', (p) => p.state === 'delta')
    await gw.close()
    const final = c.frames.findIndex((f) => f.event === 'chat' && f.payload.state === 'final')
    const shutdown = c.frames.findIndex((f) => f.event === 'shutdown')
    expect(final).toBeGreaterThan(-1)
    expect(shutdown).toBeGreaterThan(final)
  })
})

describe('restart()', () => {
  it('comes back on the same port with a new bootId; a new handshake works and sessions survive', async () => {
    const gw = await h.gateway({ agent: () => ['x'] })
    const a = await h.connected(gw)
    await a.request('chat.send', { sessionKey: 'keep', message: 'm', idempotencyKey: 'before-restart' })
    await a.event('chat', (p) => p.state === 'final')
    const { port, bootId, url } = gw
    await gw.restart()
    const close = await a.closed
    expect(close.code).toBe(1012)
    expect(a.events('shutdown')[0].payload).toMatchObject({ reason: 'gateway restarting' })
    expect(gw.port).toBe(port)
    expect(gw.url).toBe(url)
    expect(gw.bootId).not.toBe(bootId)
    const b = await h.client(gw)
    const hello = await b.connect(connectParams({ token: TOKEN }))
    expect(hello.payload.server.bootId).toBe(gw.bootId)
    const history = await b.request('chat.history', { sessionKey: 'keep' })
    expect(history.payload.messages).toHaveLength(2)
  })

  it('can stay down for downMs, refusing connections meanwhile', async () => {
    const gw = await h.gateway()
    const downMs = 1000
    const start = performance.now()
    const restarting = gw.restart({ downMs })
    await until(async () => !(await portAccepts(gw.port)), 5000, 'the port to refuse connections')
    expect(await portAccepts(gw.port)).toBe(false)
    await restarting
    // Down for downMs at least (the timer may fire a millisecond early by this clock).
    expect(performance.now() - start).toBeGreaterThanOrEqual(downMs - 5)
    expect(await portAccepts(gw.port)).toBe(true)
  })
})

describe('crash()', () => {
  it('drops every socket without a close frame (1006) and refuses connections until restart()', async () => {
    const gw = await h.gateway({ agent: () => ['a', 'b', 'c'], chunkDelayMs: 200 })
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    await a.request('chat.send', { sessionKey: 'main', message: 'm', idempotencyKey: 'lost-run' })
    await gw.crash()
    expect((await a.closed).code).toBe(1006)
    expect((await b.closed).code).toBe(1006)
    expect(a.events('shutdown')).toEqual([])
    expect(gw.listening).toBe(false)
    await expect(RawClient.open(gw.url)).rejects.toThrow(/ECONNREFUSED/)
    await gw.restart()
    const c = await h.connected(gw)
    // A run with the same agent and timings, started after the lost one: had the lost run gone on,
    // its events (earlier on every timer) would all be out before this one's final.
    await c.request('chat.send', { sessionKey: 'main', message: 'm', idempotencyKey: 'after-crash' })
    await c.event('chat', (p) => p.runId === 'after-crash' && p.state === 'final', 10_000)
    // The interrupted run is gone, and nothing of it reaches the new connection.
    expect(c.frames.filter((f) => f.payload?.runId === 'lost-run')).toEqual([])
    expect(gw.connectionCount()).toEqual({ open: 1, authenticated: 1 })
  })
})

describe('backpressure hooks', () => {
  it('stall() stops reading: requests go unanswered and the client’s buffer fills; resume() answers them', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    gw.stall()
    expect(gw.stalled).toBe(true)
    const answers = () => c.frames.filter((f) => f.type === 'res' && String(f.id).startsWith('stalled-'))
    const big = 'x'.repeat(1024 * 1024)
    // 24 MB of requests (with small answers): more than the kernel buffers between the two ends hold.
    for (let i = 0; i < 24; i += 1)
      c.send({ type: 'req', id: `stalled-${i}`, method: 'chat.abort', params: { sessionKey: big } })
    // Backed up: bytes wait in the client's buffer and have stopped draining for 100 ms.
    let pending = -1
    let since = performance.now()
    const backedUp = () => {
      if (c.ws.bufferedAmount !== pending) [pending, since] = [c.ws.bufferedAmount, performance.now()]
      return pending > 0 && performance.now() - since >= 100
    }
    await until(backedUp, 10_000, 'the client buffer to back up')
    expect(answers()).toEqual([])
    gw.resume()
    expect(gw.stalled).toBe(false)
    await c.waitFor((f) => f.type === 'res' && f.id === 'stalled-23', 15_000)
    expect(answers()).toHaveLength(24)
    expect(answers().every((f) => f.ok === true)).toBe(true)
  })

  it('setWriteDelay(ms) delays each frame the gateway writes, in order', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    gw.setWriteDelay(100)
    const start = Date.now()
    c.send({ type: 'req', id: 'w1', method: 'health', params: {} })
    c.send({ type: 'req', id: 'w2', method: 'health', params: {} })
    await c.waitFor((f) => f.id === 'w2')
    expect(Date.now() - start).toBeGreaterThanOrEqual(180)
    const ids = c.frames.filter((f) => f.type === 'res').map((f) => f.id)
    expect(ids.slice(-2)).toEqual(['w1', 'w2'])
    gw.setWriteDelay(0)
  })
})

describe('test hooks', () => {
  it('counts open and authenticated connections and describes them', async () => {
    const gw = await h.gateway()
    expect(gw.connectionCount()).toEqual({ open: 0, authenticated: 0 })
    const pending = await h.client(gw)
    await pending.challenge()
    const ok = await h.connected(gw, { clientId: 'cli', mode: 'cli' })
    expect(gw.connectionCount()).toEqual({ open: 2, authenticated: 1 })
    const info = gw.connections().find((x) => x.authenticated)
    expect(info).toMatchObject({
      clientId: 'cli',
      clientMode: 'cli',
      scopes: ['operator.read', 'operator.write'],
      remoteAddress: expect.stringMatching(/127\.0\.0\.1/),
    })
    ok.close()
    await ok.closed
    await until(() => gw.connectionCount().open === 1)
  })

  it('logs request frames with method, params and connection id; clearRequests empties the log; the token is redacted', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    await c.request('sessions.list', { limit: 3 })
    const connId = gw.connections()[0]!.id
    expect(gw.requests[0]!.params).toMatchObject({ client: { id: 'gateway-client' }, auth: { token: '[redacted]' } })
    expect(gw.requests.map((r) => [r.method, r.connectionId])).toEqual([
      ['connect', connId],
      ['sessions.list', connId],
    ])
    expect(gw.requests[1]!.params).toEqual({ limit: 3 })
    expect(JSON.stringify(gw.requests)).not.toContain(TOKEN)
    gw.clearRequests()
    expect(gw.requests).toEqual([])
    const waiting = gw.waitForRequest('chat.history', 2000)
    await c.request('chat.history', { sessionKey: 'main' })
    expect((await waiting).params).toEqual({ sessionKey: 'main' })
    await expect(gw.waitForRequest('never.sent', 50)).rejects.toThrow(/no matching request/)
    // A refused connect is logged too (what the client sent is what a proxy test wants to see).
    const refused = await h.client(gw)
    await refused.connect(connectParams({ token: 'nope', clientId: 'cli', mode: 'cli' }))
    const logged = await gw.waitForRequest((r) => r.method === 'connect' && (r.params as any).client.id === 'cli')
    expect((logged.params as any).auth.token).toBe('[redacted]')
  })

  it('disconnect(id) closes one connection; emitEvent reaches every authenticated connection', async () => {
    const gw = await h.gateway()
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    gw.emitEvent('custom.thing', { x: 1 })
    expect((await a.event('custom.thing')).payload).toEqual({ x: 1 })
    expect((await b.event('custom.thing')).payload).toEqual({ x: 1 })
    const [first] = gw.connections()
    expect(gw.disconnect(first!.id, 4000, 'bye')).toBe(true)
    expect(gw.disconnect('nope')).toBe(false)
    const closes = await Promise.race([a.closed, b.closed])
    expect(closes).toEqual({ code: 4000, reason: 'bye' })
  })

  it('setAgent replaces the reply agent at runtime (undefined restores the demo agent)', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    gw.setAgent(() => ['swapped'])
    await c.request('chat.send', { sessionKey: 'main', message: 'm', idempotencyKey: 'swap-1' })
    expect(
      (await c.event('chat', (p) => p.runId === 'swap-1' && p.state === 'final')).payload.message.content[0].text,
    ).toBe('swapped')
    gw.setAgent(undefined)
    await c.request('chat.send', { sessionKey: 'main', message: 'm2', idempotencyKey: 'swap-2' })
    expect(
      (await c.event('chat', (p) => p.runId === 'swap-2' && p.state === 'final')).payload.message.content[0].text,
    ).toContain('mock gateway')
    expect(() => gw.setAgent('nope' as never)).toThrow(/setAgent/)
    expect(() => gw.setFailure('boom' as never)).toThrow(/setFailure/)
    expect(() => gw.setWriteDelay(-1)).toThrow(/setWriteDelay/)
  })
})
