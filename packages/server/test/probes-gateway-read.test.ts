/**
 * Issue 22.1: readiness asks the gateway itself. A gateway draining for a restart refuses every
 * request (retryable `UNAVAILABLE`, `gateway-restarting`) but sends its `shutdown` event only when the
 * drain ends — minutes later if long runs are finishing (measured on openclaw 2026.9.6) — so without a
 * request of its own a quiet drain looked ready. Unit tests of the bounded read (fake clock), and the
 * mock gateway's recorded drain through the whole proxy.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GATEWAY_PROBE_REQUEST, GatewayProbe } from '../src/health/gateway-probe.js'
import { checkReadiness } from '../src/health/readiness.js'
import { SessionStores } from '../src/health/session-stores.js'
import { StoreProbe } from '../src/health/store-probe.js'
import { GatewayAdmission } from '../src/upstream/gateway-admission.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  vi.useRealTimers()
  await h?.close()
  h = undefined
})

/** A link whose answer to each read the test decides. */
function fakeLink(answer: (signal: AbortSignal | undefined) => Promise<unknown>) {
  const calls: unknown[] = []
  return {
    calls,
    state: 'up' as const,
    request(method: string, params: unknown, options: { signal?: AbortSignal }) {
      calls.push({ method, params })
      return answer(options.signal)
    },
  }
}

const never = (signal: AbortSignal | undefined) =>
  new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('cancelled'))))

describe('the gateway read', () => {
  it('asks sessions.list for one row; a gateway silent past the bound is not ready, not before', async () => {
    vi.useFakeTimers()
    const link = fakeLink(never)
    const readiness = {
      link,
      admission: new GatewayAdmission(),
      stores: new SessionStores(false),
      storeProbe: new StoreProbe(),
      gatewayProbe: new GatewayProbe(link, 2000),
      isClosed: () => false,
    }
    let answer: Awaited<ReturnType<typeof checkReadiness>> | undefined
    void checkReadiness(readiness).then((a) => (answer = a))
    await vi.advanceTimersByTimeAsync(1999)
    expect(answer).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(answer).toEqual({
      status: 'not ready',
      reason: 'the gateway did not answer a read within 2000 ms',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'not used' },
    })
    expect(link.calls).toEqual([GATEWAY_PROBE_REQUEST])
  })

  it('shares one read among probes that arrive together; an answer or a refusal is an answer', async () => {
    let release: (value: unknown) => void = () => {}
    const link = fakeLink(() => new Promise((resolve) => (release = resolve)))
    const probe = new GatewayProbe(link)
    const both = Promise.all([probe.answers(), probe.answers()])
    release({ sessions: [] })
    expect(await both).toEqual([true, true])
    expect(link.calls).toHaveLength(1)
    const refused = new GatewayProbe(fakeLink(() => Promise.reject(new Error('UNAVAILABLE'))))
    expect(await refused.answers()).toBe(true)
  })

  it('is not asked while the link is down (the link state says it all)', async () => {
    const link = { ...fakeLink(never), state: 'down' as const }
    const answer = await checkReadiness({
      link,
      admission: undefined,
      stores: new SessionStores(false),
      storeProbe: new StoreProbe(),
      gatewayProbe: new GatewayProbe(link),
      isClosed: () => false,
    })
    expect(answer).toMatchObject({ status: 'not ready', checks: { gateway: 'down' } })
    expect(link.calls).toHaveLength(0)
  })
})

describe('readyz during a quiet restart drain (the mock gateway, as recorded)', () => {
  it('is 503 draining while a long run finishes, before the shutdown event, and ready after the restart', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const readyz = async () => {
      const res = await fetch(`${h!.baseUrl}/clawchat/readyz`)
      return { status: res.status, body: (await res.json()) as any }
    }
    expect((await readyz()).status).toBe(200)
    const alice = await h.connectAs({ id: 'alice' })
    const started = await alice.request('chat.send', {
      sessionKey: 'main',
      message: 'a long one [[SLOW]]',
      idempotencyKey: 'slow-1',
    })
    expect(started.ok).toBe(true)
    const restarted = h.gateway!.restart()
    // Nobody sends anything: the proxy's own read finds the drain while the run still streams.
    const draining = await waitFor(
      async () => {
        const answer = await readyz()
        return answer.body.checks.admission === 'draining' ? answer : undefined
      },
      2500,
      'readyz to see the drain',
    )
    expect(draining.status).toBe(503)
    expect(draining.body).toMatchObject({ status: 'not ready', checks: { gateway: 'up', admission: 'draining' } })
    expect(draining.body.reason).toMatch(/draining for a restart/)
    await restarted
    const back = await waitFor(
      async () => {
        const answer = await readyz()
        return answer.status === 200 ? answer : undefined
      },
      10_000,
      'readyz to be ready after the restart',
    )
    expect(back.body.checks).toMatchObject({ gateway: 'up', admission: 'accepting' })
    await alice.close()
  })
})
