/**
 * Issue 5, behaviour 3: the gateway goes away — a graceful restart (`shutdown`, then 1012) and a
 * crash (1006, no goodbye) — in the middle of a streaming reply. Browser sockets stay open, hear
 * `clawchat.gateway` down then up, requests in flight and new ones fail fast with `UNAVAILABLE`
 * (retryable), and the link is back within 2 s of the gateway accepting connections again.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** The spec: the link is back within 2 s of the gateway accepting again. */
const RECONNECT_BOUND_MS = 2000
/** How long the gateway stays unreachable in a graceful restart: long enough for any backoff to reach its cap. */
const DOWN_MS = 1500

function gatewayStates(client: TestClient): string[] {
  return client.events('clawchat.gateway').map((f) => f.payload.state)
}

function expectContiguousSeq(client: TestClient): void {
  const seqs = client.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
  expect(seqs).toEqual(seqs.map((_s, i) => i + 1))
}

/** Waits until the link is up and answers how long that took from `since`. */
async function linkBackAfter(since: number): Promise<number> {
  await waitFor(() => h!.proxy.stats().gateway === 'up', 10_000, 'the link to come back')
  return Date.now() - since
}

async function streamingChat(client: TestClient, key: string): Promise<void> {
  const ack = await client.request('chat.send', { message: `[[SLOW]] ${key}`, idempotencyKey: key })
  expect(ack.ok).toBe(true)
  await client.waitForEvent('chat', (p) => p.runId === key && p.state === 'delta')
}

async function chatToFinal(client: TestClient, key: string): Promise<void> {
  const ack = await client.request('chat.send', { message: `after ${key}`, idempotencyKey: key })
  expect(ack.ok, JSON.stringify(ack)).toBe(true)
  const final = await client.waitForEvent('chat', (p) => p.runId === key && p.state === 'final')
  expect(final.payload.message.content[0].text).toBe(`ECHO<<after ${key}>>`)
}

describe('the gateway goes away mid-stream', () => {
  it('restarts gracefully: sockets stay open, down/up, fast UNAVAILABLE, and the link is back within 2 s', async () => {
    // A short grace so the mock does not wait for the 3 s streaming run before it stops.
    h = await startHarness({ gateway: { shutdownGraceMs: 200 } })
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await streamingChat(alice, 'slow-restart')

    const restarting = h.gateway!.restart({ downMs: DOWN_MS })
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down', 5000)
    const downAt = Date.now()
    const failed = await alice.request('chat.send', { message: 'while down', idempotencyKey: 'k-down' })
    expect(Date.now() - downAt).toBeLessThan(1000)
    expect(failed.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })
    expect(failed.error.retryAfterMs).toBeGreaterThan(0)
    const history = await bob.request('chat.history', {})
    expect(history.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })

    await restarting
    const backMs = await linkBackAfter(Date.now())
    console.log(`[measure] link back ${backMs} ms after a graceful gateway restart accepted connections again`)
    expect(backMs).toBeLessThanOrEqual(RECONNECT_BOUND_MS)

    // Each browser socket gets its own 'up'; wait for both before comparing.
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up' && gatewayStates(alice).length === 2, 5000)
    await bob.waitForEvent('clawchat.gateway', (p) => p.state === 'up' && gatewayStates(bob).length === 2, 5000)
    expect(gatewayStates(alice)).toEqual(['down', 'up'])
    expect(gatewayStates(bob)).toEqual(['down', 'up'])
    expect(alice.closed).toBeNull()
    expect(bob.closed).toBeNull()
    await chatToFinal(alice, 'k-after-restart')
    expectContiguousSeq(alice)
    const states = h.capture.audit.filter((l) => l.includes('"gateway.state"')).map((l) => JSON.parse(l).state)
    expect(states.slice(-2)).toEqual(['down', 'up'])
  })

  it('crashes: the request in flight fails fast, sockets stay open, and the link is back within 2 s', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    await streamingChat(alice, 'slow-crash')

    // A request the gateway has not answered when it dies.
    h.gateway!.stall()
    alice.send({ type: 'req', id: 'in-flight', method: 'chat.history', params: {} })
    // The proxy decides frames in order: once a later one is answered, 'in-flight' has gone upstream.
    expect((await alice.request('no.such.method', {})).ok).toBe(false)
    expect(alice.frames.some((f) => f.id === 'in-flight')).toBe(false)
    const logsBeforeCrash = h.capture.logs.length
    const crashedAt = Date.now()
    await h.gateway!.crash()
    h.gateway!.resume()
    const answer = await alice.waitFor((f) => f.type === 'res' && f.id === 'in-flight', 5000, 'the in-flight answer')
    const failFastMs = Date.now() - crashedAt
    expect(answer.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })
    expect(failFastMs).toBeLessThan(2000)
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down', 5000)
    const failed = await alice.request('chat.send', { message: 'while down', idempotencyKey: 'k-crash-down' })
    expect(failed.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })

    // Four refused attempts in a row: the backoff (100 ms doubling) has reached its 500 ms cap.
    const refused = () =>
      h!.capture.logs.slice(logsBeforeCrash).filter((l) => /cannot reach the gateway|gateway still unreachable/.test(l))
    await waitFor(() => refused().length >= 4, 10_000, 'four refused attempts')
    await h.gateway!.restart()
    const backMs = await linkBackAfter(Date.now())
    console.log(
      `[measure] link back ${backMs} ms after a crashed gateway accepted connections again (in-flight request failed after ${failFastMs} ms)`,
    )
    expect(backMs).toBeLessThanOrEqual(RECONNECT_BOUND_MS)

    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 5000)
    expect(gatewayStates(alice)).toEqual(['down', 'up'])
    expect(alice.closed).toBeNull()
    await chatToFinal(alice, 'k-after-crash')
    expectContiguousSeq(alice)
  })
})
