import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { gatewaySessionKey } from '../src/isolation/session-keys.js'
import { startHarness, type Harness, type TestClient } from './helpers/harness.js'

/**
 * Nothing one user does can close the shared link or stall other users (issue 16.1), and a user's
 * `sessions.list` is complete and costs one upstream request whatever others have (16.3) — on the
 * mock gateway, which bounds `chat.history` and matches `search` like the real one
 * (packages/mock-gateway/test/paging-conformance.test.ts).
 */
let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

async function user(id: string): Promise<TestClient> {
  const c = await h!.connectAs({ id, name: id })
  return c
}

/** Sends one chat message and waits for its final event. */
async function chat(c: TestClient, sessionKey: string, message: string): Promise<void> {
  const idempotencyKey = randomUUID()
  const ack = await c.request('chat.send', { sessionKey, message, idempotencyKey }, 30_000)
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  await c.waitForEvent('chat', (p) => p.runId === idempotencyKey && p.state === 'final', 30_000)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Creates `count` sessions of other users straight on the gateway (an admin `sessions.reset` per
 * key, as other apps or users would have made them), `inFlight` at a time.
 */
async function seedOtherSessions(url: string, token: string, count: number, inFlight = 500): Promise<void> {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 })
  const pending = new Map<string, (ok: boolean) => void>()
  const hello = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString())
      if (f.type === 'event' && f.event === 'connect.challenge') {
        ws.send(
          JSON.stringify({
            type: 'req',
            id: 'c',
            method: 'connect',
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: { id: 'gateway-client', version: '1', platform: 'linux', mode: 'backend' },
              role: 'operator',
              scopes: ['operator.read', 'operator.write', 'operator.admin'],
              auth: { token },
            },
          }),
        )
      } else if (f.type === 'res' && f.id === 'c') {
        if (f.ok) resolve()
        else reject(new Error(JSON.stringify(f.error)))
      } else if (f.type === 'res') {
        pending.get(f.id)?.(f.ok === true)
        pending.delete(f.id)
      }
    })
    ws.on('error', reject)
  })
  await hello
  let next = 0
  const one = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const ok = await new Promise<boolean>((resolve) => {
        pending.set(`s${i}`, resolve)
        ws.send(
          JSON.stringify({
            type: 'req',
            id: `s${i}`,
            method: 'sessions.reset',
            params: { key: gatewaySessionKey('clawchat', `other-${i}`, 'main') },
          }),
        )
      })
      if (!ok) throw new Error(`sessions.reset ${i} failed`)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, one))
  ws.close()
}

describe('issue 16.1: big messages then chat.history', () => {
  it('27 messages of ~1 MB then chat.history {limit:200}: the link stays up, the answer is bounded, every message can be paged to', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await user('alice')
    const bob = await user('bob')
    await chat(bob, 'main', 'hello from bob')
    for (let i = 0; i < 27; i += 1) await chat(alice, 'big', `${String(i).padStart(2, '0')} ${'x'.repeat(1_000_000)}`)
    h.gateway!.clearRequests()
    const first = await alice.request('chat.history', { sessionKey: 'big', limit: 200 }, 60_000)
    expect(first.ok, JSON.stringify(first.error)).toBe(true)
    // The link never went down: nobody was told, and bob's next request works.
    expect(h.proxy.stats().gateway).toBe('up')
    expect(
      [...alice.events('clawchat.gateway'), ...bob.events('clawchat.gateway')].filter((f) => f.payload.state !== 'up'),
    ).toEqual([])
    expect((await bob.request('chat.history', { sessionKey: 'main' })).payload.messages).toHaveLength(2)
    // What the gateway was asked for: bounded in messages, characters and bytes.
    const asked = h
      .gateway!.requests.filter((r) => r.method === 'chat.history')
      .map((r) => r.params as Record<string, number>)
    expect(asked[0]).toMatchObject({ limit: 200, maxChars: 8000, maxBytes: 1024 * 1024 })
    // Each text cut to 8000 characters and marked; the whole answer well under 1 MiB.
    const page = first.payload
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(1024 * 1024)
    expect(page.totalMessages).toBe(54)
    expect(page.messages).toHaveLength(54)
    expect(page.messages.every((m: any) => m.truncated === true)).toBe(true)

    // Longer texts: the byte budget leaves older messages for the next pages, and paging reaches them all, once each.
    const seen: string[] = []
    let offset: number | undefined
    let pages = 0
    for (;;) {
      const res = await alice.request(
        'chat.history',
        { sessionKey: 'big', limit: 200, maxChars: 32_000, ...(offset !== undefined ? { offset } : {}) },
        60_000,
      )
      expect(res.ok, JSON.stringify(res.error)).toBe(true)
      expect(Buffer.byteLength(JSON.stringify(res))).toBeLessThan(1024 * 1024 + 64 * 1024)
      pages += 1
      seen.unshift(
        ...res.payload.messages.map((m: any) =>
          (typeof m.content === 'string' ? m.content : m.content[0].text).slice(0, 10),
        ),
      )
      if (!res.payload.hasMore) break
      expect(res.payload.nextOffset).toBeGreaterThan(offset ?? 0)
      offset = res.payload.nextOffset
    }
    expect(pages).toBeGreaterThan(1)
    expect(seen).toEqual(
      Array.from({ length: 27 }, (_, i) => [
        `${String(i).padStart(2, '0')} xxxxxxx`,
        `ECHO<<${String(i).padStart(2, '0')} x`,
      ]).flat(),
    )
    expect(h.proxy.stats().gateway).toBe('up')
  }, 180_000)

  it('refuses a limit or maxChars over the bounds, saying how to page', async () => {
    h = await startHarness({ proxy: { limits: { historyMaxMessages: 50 } } })
    await h.waitForLinkUp()
    const alice = await user('alice')
    const res = await alice.request('chat.history', { limit: 200 })
    expect(res.error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'invalid chat.history params: limit must be an integer from 1 to 50 (page older messages with offset)',
    })
    expect((await alice.request('chat.history', { maxChars: 500_000 })).error.code).toBe('INVALID_REQUEST')
    expect(h.gateway!.requests.filter((r) => r.method === 'chat.history')).toEqual([])
  })
})

describe('issue 16.3: sessions.list with many sessions of others', () => {
  // One stack for the file's 16.3 checks: seeding 20,500 sessions takes a while.
  let stack: Harness
  let alice: TestClient
  let bob: TestClient
  let ali: TestClient
  beforeAll(async () => {
    stack = await startHarness()
    await stack.waitForLinkUp()
    const as = (id: string) => stack.connectAs({ id, name: id })
    alice = await as('alice')
    bob = await as('bob')
    // A user id that is a prefix of another's: "ali" must not see alice's sessions, nor she theirs.
    ali = await as('ali')
    await chat(alice, 'main', 'first words of alice')
    await chat(alice, 'work', 'plans for monday')
    await chat(alice, 'notes', 'a note')
    await chat(ali, 'main', 'ali here')
    await chat(bob, 'main', 'hello from bob')
    await seedOtherSessions(stack.gateway!.url, stack.token, 20_500)
  }, 240_000)
  afterAll(() => stack?.close())

  it('is complete with 20,500 newer sessions of others, one upstream request per call, and carries what a chat list shows', async () => {
    stack.gateway!.clearRequests()
    const list = await alice.request('sessions.list', {}, 60_000)
    expect(list.ok, JSON.stringify(list.error)).toBe(true)
    expect(list.payload.sessions.map((s: any) => s.key).sort()).toEqual(['main', 'notes', 'work'])
    expect(stack.gateway!.requests.filter((r) => r.method === 'sessions.list')).toHaveLength(1)
    const work = list.payload.sessions.find((s: any) => s.key === 'work')
    expect(work).toMatchObject({ hasActiveRun: false, lastMessagePreview: 'ECHO<<plans for monday>>' })
    expect(typeof work.updatedAt).toBe('number')
    expect(list.payload).toMatchObject({ count: 3, hasMore: false })
    expect(JSON.stringify(list.payload)).not.toMatch(/ali here|bob/)
    expect((await ali.request('sessions.list', {})).payload.sessions.map((s: any) => s.key)).toEqual(['main'])

    // Paging: a page of 2, then the rest from nextOffset; one upstream request each.
    stack.gateway!.clearRequests()
    const p1 = await alice.request('sessions.list', { limit: 2 })
    expect(p1.payload).toMatchObject({ count: 2, hasMore: true, nextOffset: 2 })
    const p2 = await alice.request('sessions.list', { limit: 2, offset: p1.payload.nextOffset })
    expect(p2.payload).toMatchObject({ count: 1, hasMore: false })
    expect([...p1.payload.sessions, ...p2.payload.sessions].map((s: any) => s.key).sort()).toEqual([
      'main',
      'notes',
      'work',
    ])
    expect(stack.gateway!.requests.filter((r) => r.method === 'sessions.list')).toHaveLength(2)
  }, 120_000)

  it("two lists a second by one user leave another user's chat.history latency where it was", async () => {
    const history = async (until: () => boolean): Promise<number[]> => {
      const out: number[] = []
      while (!until() || out.length < 20) {
        const t = performance.now()
        const res = await bob.request('chat.history', { sessionKey: 'main', limit: 20 }, 60_000)
        out.push(performance.now() - t)
        expect(res.ok).toBe(true)
        await new Promise((r) => setTimeout(r, 20))
      }
      return out
    }
    const quietUntil = Date.now() + 3000
    const before = median(await history(() => Date.now() > quietUntil))
    let lists = 0
    let listing = true
    const listMs: number[] = []
    const loop = (async () => {
      while (listing) {
        const started = performance.now()
        const res = await alice.request('sessions.list', {}, 120_000)
        listMs.push(performance.now() - started)
        expect(res.ok).toBe(true)
        lists += 1
        await new Promise((r) => setTimeout(r, Math.max(0, 500 - (performance.now() - started))))
      }
    })()
    const during = median(await history(() => lists >= 8))
    listing = false
    await loop
    console.log(
      `[16.3] bob's chat.history p50: ${before.toFixed(1)} ms alone, ${during.toFixed(1)} ms while alice lists twice a second (${lists} lists, p50 ${median(listMs).toFixed(0)} ms each)`,
    )
    expect(during).toBeLessThan(before * 3 + 25)
  }, 240_000)
})
