/**
 * Issue 5, behaviour 1: the limits of one connection and one user — each costs nothing to anyone
 * else. A slow browser is closed with 1013 while a fast one keeps streaming; rate limits answer
 * `RATE_LIMITED` and keep the socket; dead sockets are found by ping/pong; a socket that never
 * connects is closed; permessage-deflate is off.
 */
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { MockAgent } from '@clawchat/mock-gateway'
import { startHarness, testAgent, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** `[[BIG]]` streams 60 chunks of 16 KiB: deltas carry the whole reply so far, ~30 MB per listener. */
const bigAgent: MockAgent = (message, context) => {
  if (!message.includes('[[BIG]]')) return testAgent(message, context)
  return Array.from({ length: 60 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(16 * 1024 - 2)}`)
}

function auditLines(harness: Harness): Array<Record<string, any>> {
  return harness.capture.audit.map((l) => JSON.parse(l) as Record<string, any>)
}

function expectContiguousSeq(client: TestClient): void {
  const seqs = client.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
  expect(seqs).toEqual(seqs.map((_s, i) => i + 1))
}

/** The TCP socket under a ws client (to stop reading from it). */
const tcp = (client: TestClient): Socket => (client.ws as unknown as { _socket: Socket })._socket

describe('a slow consumer', () => {
  it('is closed with 1013 while a fast one keeps streaming, and the upstream never stalls', async () => {
    h = await startHarness({
      gateway: { agent: bigAgent, chunkDelayMs: 5 },
      proxy: { limits: { outboundHighWaterMark: 1024 * 1024 } },
    })
    await h.waitForLinkUp()
    const fast = await h.connectAs({ id: 'alice' })
    const slow = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    const slowConnId = auditLines(h)
      .filter((l) => l.event === 'connection.open')
      .map((l) => l.connId)[1]
    tcp(slow).pause() // stops reading: the proxy's queue for it grows

    const ack = await fast.request('chat.send', { message: '[[BIG]] stream', idempotencyKey: 'big' })
    expect(ack.ok).toBe(true)
    // While the big run streams, another user chats as usual.
    const bobAck = await bob.request('chat.send', { message: 'hello', idempotencyKey: 'bob-1' })
    expect(bobAck.ok).toBe(true)

    await waitFor(
      () => h!.capture.logs.some((l) => l.includes('closing a slow browser connection')),
      20_000,
      'the slow consumer to be closed',
    )
    tcp(slow).resume() // read the backlog, then the close frame
    expect((await slow.closedPromise).code).toBe(1013)

    const final = await fast.waitForEvent('chat', (p) => p.runId === 'big' && p.state === 'final', 20_000)
    expect(final.payload.message.content[0].text).toHaveLength(60 * 16 * 1024)
    const deltas = fast.events('chat').filter((f) => f.payload.runId === 'big' && f.payload.state === 'delta')
    expect(deltas).toHaveLength(60)
    expectContiguousSeq(fast)
    expect(fast.closed).toBeNull()
    await bob.waitForEvent('chat', (p) => p.runId === 'bob-1' && p.state === 'final')
    expect(h.proxy.stats().gateway).toBe('up')
    expect(h.gateway!.connectionCount()).toEqual({ open: 1, authenticated: 1 })

    const closeLine = await waitFor(
      () => auditLines(h!).find((l) => l.event === 'connection.close' && l.connId === slowConnId),
      5000,
      'the audit line',
    )
    expect(closeLine).toMatchObject({ code: 1013, by: 'server', userId: 'alice' })
  })
})

describe('rate limits', () => {
  it('answer RATE_LIMITED with retryAfterMs per connection and per user, keep the socket, and spare other users', async () => {
    h = await startHarness({ proxy: { limits: { messagesPerSecond: 2, userMessagesPerSecond: 3 } } })
    await h.waitForLinkUp()
    const tab1 = await h.connectAs({ id: 'alice' }, false)
    const tab2 = await h.connectAs({ id: 'alice' }, false)
    const bob = await h.connectAs({ id: 'bob' }, false)
    const burst = (client: TestClient, prefix: string, n: number) => {
      for (let i = 0; i < n; i += 1)
        client.send({ type: 'req', id: `${prefix}${i}`, method: 'chat.history', params: {} })
      return Promise.all(
        Array.from({ length: n }, (_, i) => client.waitFor((f) => f.type === 'res' && f.id === `${prefix}${i}`)),
      )
    }

    // Connection limit: 2 per second on tab1.
    const first = await burst(tab1, 'a', 4)
    expect(first.map((f) => f.ok)).toEqual([true, true, false, false])
    const limited = first[2]!.error
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryable: true })
    expect(limited.retryAfterMs).toBeGreaterThan(0)
    expect(limited.retryAfterMs).toBeLessThanOrEqual(500)
    expect(limited.message).toMatch(/on this connection/)

    // User limit: 3 per second across tab1 and tab2 — tab1 used 2, so tab2 gets 1.
    const second = await burst(tab2, 'b', 2)
    expect(second.map((f) => f.ok)).toEqual([true, false])
    expect(second[1]!.error.code).toBe('RATE_LIMITED')
    expect(second[1]!.error.message).toMatch(/for your account/)

    // Bob is not affected by Alice's limits.
    const bobs = await burst(bob, 'c', 2)
    expect(bobs.every((f) => f.ok)).toBe(true)

    // The sockets stay open, and a client that waits retryAfterMs gets through.
    for (const client of [tab1, tab2]) {
      let res = await client.request('chat.history', {})
      for (let tries = 0; !res.ok && tries < 5; tries += 1) {
        expect(res.error.code).toBe('RATE_LIMITED')
        await new Promise((r) => setTimeout(r, res.error.retryAfterMs + 20))
        res = await client.request('chat.history', {})
      }
      expect(res.ok).toBe(true)
    }
    for (const client of [tab1, tab2, bob]) expect(client.closed).toBeNull()

    // One audit line per episode, not per refused frame.
    const episodes = auditLines(h).filter((l) => l.event === 'rate.limited')
    expect(episodes.map((l) => l.scope).sort()).toEqual(['connection', 'user'])
    expect(episodes.every((l) => l.userId === 'alice' && l.retryAfterMs > 0)).toBe(true)
  })

  it('count every frame, garbage included, and reconnecting does not refill the user budget', async () => {
    h = await startHarness({ proxy: { limits: { messagesPerSecond: 50, userMessagesPerSecond: 3 } } })
    const cookie = await h.login({ id: 'alice' })
    const tab = await h.open(cookie)
    for (let i = 0; i < 3; i += 1) tab.send('not json')
    await waitFor(() => tab.frames.filter((f) => f.type === 'res').length === 3, 5000, 'three answers')
    expect(tab.frames.filter((f) => f.error?.code === 'INVALID_REQUEST')).toHaveLength(3)
    await tab.close()
    const again = await h.open(cookie)
    const res = await again.request('chat.history', {})
    expect(res.error?.code).toBe('RATE_LIMITED')
  })
})

describe('dead and idle sockets', () => {
  it('terminates a socket that stops answering pings, and keeps one that answers', async () => {
    h = await startHarness({ proxy: { limits: { pingIntervalMs: 200 } } })
    const cookie = await h.login({ id: 'alice' })
    const alive = await h.connectAs({ id: 'alice' })
    let pings = 0
    alive.ws.on('ping', () => (pings += 1))
    const dead = new WebSocket(h.wsUrl, { headers: { Cookie: cookie }, autoPong: false })
    const deadClosed = new Promise<{ code: number; at: number }>((resolve) =>
      dead.on('close', (code) => resolve({ code, at: Date.now() })),
    )
    await new Promise((resolve, reject) => dead.once('open', resolve).once('error', reject))
    const openedAt = Date.now()
    const closed = await deadClosed
    expect(closed.code).toBe(1006)
    expect(closed.at - openedAt).toBeLessThan(2000)
    // Three more rounds, each of which checked the pong to the one before.
    const pingsThen = pings
    await waitFor(() => pings >= pingsThen + 3, 10_000, 'three more pings')
    expect(alive.closed).toBeNull()
    expect((await alive.request('chat.history', {})).ok).toBe(true)
    const line = await waitFor(
      () => auditLines(h!).find((l) => l.event === 'connection.close' && l.code === 1006),
      5000,
      'the audit line',
    )
    expect(line).toMatchObject({ by: 'server', reason: 'no pong within 200 ms' })
    expect(h.proxy.stats().connections).toBe(1)
  })

  it('closes a socket that sends neither connect nor a request within handshakeTimeoutMs (1008), and no other', async () => {
    h = await startHarness({ proxy: { limits: { handshakeTimeoutMs: 300 } } })
    const cookie = await h.login({ id: 'alice' })
    const silent = await h.open(cookie)
    const garbage = await h.open(cookie)
    const connected = await h.open(cookie)
    const implicit = await h.open(cookie)
    garbage.send('{oops')
    await connected.connect()
    implicit.send({ method: 'chat.history' }) // implicit connect
    expect(await silent.closedPromise).toEqual({ code: 1008, reason: 'no connect or request within 300 ms' })
    expect((await garbage.closedPromise).code).toBe(1008)
    // A silent socket opened after the others is closed too: by then their handshake timeouts have passed.
    const later = await h.open(cookie)
    expect((await later.closedPromise).code).toBe(1008)
    expect(connected.closed).toBeNull()
    expect(implicit.closed).toBeNull()
    // And they still work.
    expect((await connected.request('chat.history', {})).ok).toBe(true)
    expect((await implicit.request('chat.history', {})).ok).toBe(true)
  })
})

describe('permessage-deflate', () => {
  it('is off on the browser side, even when the browser offers it', async () => {
    h = await startHarness()
    const cookie = await h.login({ id: 'alice' })
    const ws = new WebSocket(h.wsUrl, { headers: { Cookie: cookie }, perMessageDeflate: true })
    const upgraded = new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('upgrade', (res) => resolve(res.headers))
      ws.once('error', reject)
    })
    const opened = new Promise((resolve) => ws.once('open', resolve))
    const headers = await upgraded
    await opened
    expect(headers['sec-websocket-extensions']).toBeUndefined()
    expect(ws.extensions).toBe('')
    ws.close()
  })
})
