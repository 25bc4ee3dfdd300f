/**
 * Issue 16.4: backpressure toward the gateway. With a gateway that reads slowly, four accounts
 * sending 1 MB frames within their rate limits used to grow the proxy without end (measured here:
 * 146 MiB held for a gateway that had taken 4 after 8 s, RSS +335 MiB; with the defaults 16 MiB
 * held, RSS +107 MiB at its peak in a process that also runs the mock gateway and the clients). Now
 * the bytes held for the gateway are bounded per user (`RATE_LIMITED`) and in total
 * (`UNAVAILABLE`), both retryable and answered at once, and other users' small requests still get
 * answered.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startHarness, TestClient, waitFor, type Harness } from './helpers/harness.js'
import { startSlowRelay, type SlowRelay } from './helpers/slow-relay.js'
import type { LimitsOption } from '../src/index.js'

let harnesses: Harness[] = []
let relay: SlowRelay | undefined
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
  await relay?.close()
  relay = undefined
})

/** A 1 MB message: the frame is just under the default `maxPayload` (1 MiB). */
const BIG = 'x'.repeat(1_000_000)
const MiB = 1024 * 1024

/**
 * A proxy whose link goes through a relay that forwards upstream at `bytesPerSecond` (held at 0
 * until released when `held`), to a mock gateway whose agent answers "ok".
 */
async function slowGatewayProxy(
  limits: LimitsOption,
  bytesPerSecond: number,
  extra: { requestTimeoutMs?: number } = {},
): Promise<Harness> {
  const base = await startHarness({ gateway: { agent: () => ['ok'] } })
  harnesses.push(base)
  relay = await startSlowRelay(base.gateway!.port, bytesPerSecond)
  const h = await startHarness({
    reuse: base,
    proxy: {
      gateway: {
        url: `ws://127.0.0.1:${relay.port}`,
        token: base.token,
        identityPath: `${base.tmp}/slow/identity.json`,
        ...extra,
      },
      limits: { messagesPerSecond: 20, userMessagesPerSecond: 50, ...limits },
    },
  })
  harnesses.push(h)
  await h.waitForLinkUp()
  return h
}

/** A browser that sends big frames cheaply (a zero mask: the test's CPU goes to the proxy, not to masking). */
async function flooder(h: Harness, id: string): Promise<TestClient> {
  const cookie = await h.login({ id })
  const ws = new WebSocket(h.wsUrl, { headers: { Cookie: cookie }, generateMask: (mask: Buffer) => void mask.fill(0) })
  const client = new TestClient(ws)
  h.clients.push(client)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  expect((await client.connect()).ok).toBe(true)
  return client
}

let nextId = 0
/** Sends a 1 MB chat.send without waiting; answers its request id. */
function sendBig(client: TestClient): string {
  nextId += 1
  const id = `big-${nextId}`
  client.send({ type: 'req', id, method: 'chat.send', params: { message: BIG, idempotencyKey: `k-${nextId}` } })
  return id
}

const answers = (client: TestClient) => client.frames.filter((f) => f.type === 'res' && String(f.id).startsWith('big-'))
const refusedWith = (client: TestClient, code: string) => answers(client).filter((f) => !f.ok && f.error.code === code)
/** The total's refusal (a timed-out request is UNAVAILABLE too, with another message). */
const NOT_KEEPING_UP = 'The chat gateway is not keeping up with what it is sent; try again shortly.'
const refusedForTotal = (client: TestClient) =>
  refusedWith(client, 'UNAVAILABLE').filter((f) => f.error.message === NOT_KEEPING_UP)

describe('requests toward a gateway that reads slowly', () => {
  it('hold at most upstreamBytesPerUser per user: more is refused RATE_LIMITED at once, and others are answered', async () => {
    const h = await slowGatewayProxy({ upstreamBytesPerUser: 2 * MiB, upstreamBytesTotal: 32 * MiB }, 4 * MiB)
    const flooders = await Promise.all([1, 2, 3, 4].map((i) => flooder(h, `flood-${i}`)))
    const bob = await h.connectAs({ id: 'bob' })
    const rssBefore = process.memoryUsage().rss
    let maxInFlight = 0
    let maxQueued = 0
    const sample = () => {
      const up = h.proxy.stats().upstream
      maxInFlight = Math.max(maxInFlight, up?.inFlightBytes ?? 0)
      maxQueued = Math.max(maxQueued, up?.queuedBytes ?? 0)
    }
    const sampler = setInterval(sample, 10)
    const bobAnswers: Array<Promise<Record<string, any>>> = []
    let sent = 0
    try {
      // 4 s (and at least 12 rounds, on a busy machine) of 1 MB frames, 10 a second per account:
      // within messagesPerSecond (20) and userMessagesPerSecond (50).
      const started = Date.now()
      for (let round = 0; round < 12 || Date.now() - started < 4000; round += 1) {
        for (const f of flooders) sendBig(f)
        sent += flooders.length
        if (round % 3 === 0) bobAnswers.push(bob.request('chat.history', {}, 60_000))
        await new Promise((r) => setTimeout(r, 100))
        sample()
      }
    } finally {
      clearInterval(sampler)
    }
    const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / MiB
    console.log(
      `upstream backpressure: ${sent} frames of 1 MB sent, max in flight ${(maxInFlight / MiB).toFixed(1)} MiB, max queued ${(maxQueued / MiB).toFixed(1)} MiB, RSS +${rssGrowthMiB.toFixed(0)} MiB`,
    )

    // Every big frame is answered — none waits in the proxy for room upstream.
    await waitFor(
      () => flooders.every((f) => answers(f).length === sent / flooders.length),
      60_000,
      'an answer to every big frame',
    )
    for (const f of flooders) {
      const limited = refusedWith(f, 'RATE_LIMITED')
      expect(limited.length).toBeGreaterThan(0)
      expect(limited[0]!.error).toMatchObject({ retryable: true, retryAfterMs: 1000 })
      expect(limited[0]!.error.message).toContain('for your account')
      expect(answers(f).some((a) => a.ok)).toBe(true)
      expect(f.closed).toBeNull()
    }
    // Each user held at most 2 MiB: four users, 8 MiB; the socket never held more than that either.
    expect(maxInFlight).toBeGreaterThan(0)
    expect(maxInFlight).toBeLessThanOrEqual(4 * 2 * MiB)
    expect(maxQueued).toBeLessThanOrEqual(4 * 2 * MiB + 4096)
    // Bob's small requests were all answered, not refused.
    for (const answer of await Promise.all(bobAnswers)) expect(answer.ok).toBe(true)
    await waitFor(() => h.proxy.stats().upstream.inFlightBytes === 0, 30_000, 'nothing left in flight')
    const audit = h.capture.audit.map((l) => JSON.parse(l) as Record<string, any>)
    expect(audit.some((l) => l.event === 'request' && l.userId === 'flood-1' && l.code === 'RATE_LIMITED')).toBe(true)
  }, 120_000)

  it('hold at most upstreamBytesTotal together: past it UNAVAILABLE (retryable), and a retry goes once the gateway reads', async () => {
    const h = await slowGatewayProxy({ upstreamBytesPerUser: MiB, upstreamBytesTotal: 2 * MiB }, Infinity)
    relay!.hold()
    const alice = await flooder(h, 'alice')
    const bob = await flooder(h, 'bob')
    const carol = await flooder(h, 'carol')
    const dave = await h.connectAs({ id: 'dave' })
    const aliceId = sendBig(alice)
    const bobId = sendBig(bob)
    await waitFor(() => h.proxy.stats().upstream.inFlightBytes >= 2_000_000, 10_000, 'two big requests in flight')
    // Alice's second one passes her own share: RATE_LIMITED.
    const aliceAgainId = sendBig(alice)
    const aliceAgain = await alice.waitFor((f) => f.id === aliceAgainId, 10_000)
    expect(aliceAgain.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1000 })
    // Carol holds nothing, but everybody together would pass the total: UNAVAILABLE.
    const carolId = sendBig(carol)
    const refused = await carol.waitFor((f) => f.id === carolId, 10_000)
    expect(refused.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, retryAfterMs: 1000 })
    expect(refused.error.message).toBe(NOT_KEEPING_UP)
    // A small request still fits.
    const small = dave.request('chat.history', {}, 30_000)
    expect(alice.frames.some((f) => f.id === aliceId)).toBe(false)

    relay!.release()
    expect((await alice.waitFor((f) => f.id === aliceId, 30_000)).ok).toBe(true)
    expect((await bob.waitFor((f) => f.id === bobId, 30_000)).ok).toBe(true)
    expect((await small).ok).toBe(true)
    await waitFor(() => h.proxy.stats().upstream.inFlightBytes === 0, 10_000, 'nothing left in flight')
    const retryId = sendBig(carol)
    expect((await carol.waitFor((f) => f.id === retryId, 30_000)).ok).toBe(true)
  }, 60_000)

  it('count the bytes still queued on the link after their requests timed out', async () => {
    // Three users within their shares (1 MiB each) fit the total (3 MiB) as long as only answers
    // free room; but requests that time out leave their bytes on the socket, and those count too.
    const h = await slowGatewayProxy({ upstreamBytesPerUser: MiB, upstreamBytesTotal: 3 * MiB }, Infinity, {
      requestTimeoutMs: 300,
    })
    relay!.hold()
    const flooders = await Promise.all(['u1', 'u2', 'u3'].map((id) => flooder(h, id)))
    let maxQueued = 0
    const started = Date.now()
    while (!flooders.some((f) => refusedForTotal(f).length > 0)) {
      if (Date.now() - started > 60_000)
        throw new Error(`no UNAVAILABLE within 60 s; queued ${h.proxy.stats().upstream.queuedBytes} bytes`)
      for (const f of flooders) sendBig(f)
      await new Promise((r) => setTimeout(r, 100))
      maxQueued = Math.max(maxQueued, h.proxy.stats().upstream.queuedBytes)
    }
    // The socket (not the requests in flight) held the total when the refusals began.
    expect(h.proxy.stats().upstream.queuedBytes).toBeGreaterThan(2 * MiB)
    for (let i = 0; i < 10; i += 1) {
      for (const f of flooders) sendBig(f)
      await new Promise((r) => setTimeout(r, 100))
      maxQueued = Math.max(maxQueued, h.proxy.stats().upstream.queuedBytes)
    }
    expect(maxQueued).toBeLessThanOrEqual(3 * MiB + 4096)
    // Timed-out requests answered UNAVAILABLE ("did not answer in time") along the way.
    expect(
      flooders.some((f) =>
        refusedWith(f, 'UNAVAILABLE').some((a) => a.error.message.includes('did not answer in time')),
      ),
    ).toBe(true)
    relay!.release()
    await waitFor(() => h.proxy.stats().upstream.queuedBytes === 0, 30_000, 'the socket to drain')
  }, 120_000)
})
