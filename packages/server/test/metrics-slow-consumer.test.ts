/**
 * Issue 22, item 2: a browser that stops reading is closed (1013) as a slow consumer — and the close
 * is counted, in `proxy.stats()` and in the scrape; the reader next to it is not.
 */
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '@clawchat/mock-gateway'
import { startHarness, testAgent, waitFor, type Harness, type TestClient } from './helpers/harness.js'
import { sample, scrape } from './helpers/metrics-scrape.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** `[[BIG]]` streams 40 chunks of 16 KiB: deltas carry the whole reply so far, ~13 MB per listener. */
const bigAgent: MockAgent = (message, context) => {
  if (!message.includes('[[BIG]]')) return testAgent(message, context)
  return Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(16 * 1024 - 2)}`)
}

/** The TCP socket under a ws client (to stop reading from it). */
const tcp = (client: TestClient): Socket => (client.ws as unknown as { _socket: Socket })._socket

describe('a slow consumer', () => {
  it('is counted once when it is closed with 1013', async () => {
    h = await startHarness({
      gateway: { agent: bigAgent, chunkDelayMs: 5 },
      proxy: { metrics: true, limits: { outboundHighWaterMark: 256 * 1024 } },
    })
    await h.waitForLinkUp()
    const fast = await h.connectAs({ id: 'frank' })
    const slow = await h.connectAs({ id: 'frank' })
    tcp(slow).pause()
    expect((await fast.request('chat.send', { message: '[[BIG]] go', idempotencyKey: 'big' })).ok).toBe(true)
    await waitFor(() => h!.proxy.stats().slowConsumerCloses === 1, 20_000, 'the slow consumer close to be counted')
    tcp(slow).resume() // reads the backlog, then the close frame (within the close grace)
    expect((await slow.closedPromise).code).toBe(1013)
    await fast.waitForEvent('chat', (p) => p.runId === 'big' && p.state === 'final', 20_000)
    expect(fast.closed).toBeNull()
    expect(h.proxy.stats().slowConsumerCloses).toBe(1)
    expect(sample(await scrape(`${h.baseUrl}/clawchat/metrics`), 'clawchat_slow_consumer_closes_total')).toBe(1)
  })
})
