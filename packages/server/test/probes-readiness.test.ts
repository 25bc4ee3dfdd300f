/**
 * Issue 22.1: what readiness reports, with fakes for what it reads — the gateway's own suspension
 * and drain (an `AdmissionView`-shaped fake: the link's side is tested with the mock gateway), each
 * link state, the session store (an error, a throw, no answer within the bound on a fake clock),
 * coordination's Redis (reported, never a reason), and `closing` first.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkReadiness, type ReadinessDeps } from '../src/health/readiness.js'
import { createProbes } from '../src/health/probes.js'
import { SessionStores } from '../src/health/session-stores.js'
import { STORE_PROBE_ID, StoreProbe } from '../src/health/store-probe.js'
import type { SessionStoreLike } from '../src/gate/session-check.js'
import { GatewayAdmission, type AdmissionView, type SuspensionPhase } from '../src/upstream/gateway-admission.js'
import type { LinkState } from '../src/upstream/gateway-link.js'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** A store answering every read with `answer` (a miss by default). */
function answeringStore(answer: (callback: (error: unknown, session?: unknown) => void) => void): SessionStoreLike {
  return { get: (_sid, callback) => answer(callback) }
}
const missStore = answeringStore((cb) => setImmediate(() => cb(null, undefined)))

function deps(over: Partial<ReadinessDeps> & { state?: LinkState; store?: SessionStoreLike } = {}): ReadinessDeps {
  const stores = new SessionStores(true)
  if (over.store) stores.seen(over.store)
  return {
    link: { state: over.state ?? 'up' },
    admission: undefined,
    stores,
    storeProbe: new StoreProbe(),
    isClosed: () => false,
    ...over,
  }
}

/** An `AdmissionView`-shaped fake. */
function admission(phase: SuspensionPhase, draining = false, reason?: string): AdmissionView {
  return { phase, draining, reason: () => reason }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('readiness: the gateway', () => {
  it('is ready only with the link up; each other state names itself', async () => {
    expect(await checkReadiness(deps({ store: missStore }))).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'ok' },
    })
    const reasons: Record<string, string> = {
      connecting: 'the gateway link is connecting',
      down: 'the gateway link is down; the proxy is reconnecting',
      misconfigured: 'the gateway refused the link and an operator must act (see the server log)',
      failed: 'the gateway link failed and will not retry until the proxy restarts with a fixed gateway option',
      closed: 'the gateway link is closed',
    }
    for (const [state, reason] of Object.entries(reasons)) {
      const answer = await checkReadiness(deps({ state: state as LinkState }))
      expect(answer).toEqual({
        status: 'not ready',
        reason,
        checks: { gateway: state, admission: 'accepting', sessionStore: 'unknown yet' },
      })
    }
  })

  it('is not ready while the gateway suspends or drains, with its reason; ready once it accepts again', async () => {
    const view = {
      phase: 'preparing' as SuspensionPhase,
      draining: false,
      said: 'the gateway is preparing to suspend' as string | undefined,
    }
    const live: AdmissionView = {
      get phase() {
        return view.phase
      },
      get draining() {
        return view.draining
      },
      reason: () => view.said,
    }
    const d = deps({ admission: live })
    expect(await checkReadiness(d)).toMatchObject({
      status: 'not ready',
      reason: 'the gateway is preparing to suspend',
      checks: { gateway: 'up', admission: 'preparing' },
    })
    Object.assign(view, { phase: 'accepting', draining: true, said: undefined })
    expect(await checkReadiness(d)).toMatchObject({
      status: 'not ready',
      reason: 'the gateway is draining for a restart',
      checks: { admission: 'draining' },
    })
    Object.assign(view, { phase: 'prepared', draining: false, said: undefined })
    expect(await checkReadiness(d)).toMatchObject({
      status: 'not ready',
      reason: 'the gateway is not accepting new work (suspension phase prepared)',
      checks: { admission: 'prepared' },
    })
    Object.assign(view, { phase: 'accepting', draining: false, said: undefined })
    expect(await checkReadiness(d)).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unknown yet' },
    })
  })

  it('names the link first, the admission next, the store last; closing before all', async () => {
    const failing = answeringStore((cb) => cb(new Error('down')))
    const all = { state: 'down' as const, admission: admission('draining', true), store: failing }
    expect((await checkReadiness(deps(all))).status).toBe('not ready')
    expect(await checkReadiness(deps(all))).toMatchObject({
      reason: 'the gateway link is down; the proxy is reconnecting',
      checks: { gateway: 'down', admission: 'draining', sessionStore: 'unreachable' },
    })
    expect(await checkReadiness(deps({ ...all, state: 'up' }))).toMatchObject({
      reason: 'the gateway is draining for a restart',
    })
    expect(await checkReadiness(deps({ ...all, isClosed: () => true }))).toMatchObject({
      reason: 'the proxy is closing',
    })
  })
})

describe("readiness with the link's own admission tracker", () => {
  it('follows gateway.suspension events and the shutdown drain until a new hello', async () => {
    const tracker = new GatewayAdmission()
    const d = deps({ admission: tracker })
    tracker.helloOk({ snapshot: {} })
    expect((await checkReadiness(d)).status).toBe('ready')
    tracker.heard({ event: 'gateway.suspension', payload: { phase: 'prepared' } })
    const suspended = await checkReadiness(d)
    expect(suspended).toMatchObject({ status: 'not ready', checks: { admission: 'prepared' } })
    expect(suspended.status === 'not ready' && suspended.reason).toBe(tracker.reason())
    tracker.heard({ event: 'gateway.suspension', payload: { phase: 'accepting' } })
    expect((await checkReadiness(d)).status).toBe('ready')
    tracker.heard({ event: 'shutdown', payload: { reason: 'gateway restarting' } })
    expect(await checkReadiness(d)).toMatchObject({ status: 'not ready', checks: { admission: 'draining' } })
    tracker.helloOk({ snapshot: { suspension: { phase: 'accepting' } } })
    expect((await checkReadiness(d)).status).toBe('ready')
  })
})

describe('readiness: the session store', () => {
  it('a store that errors or throws is unreachable; the error text (which may hold a URL) is never shown', async () => {
    const secretUrl = 'redis://admin:hunter2@db.internal:6379'
    const erroring = answeringStore((cb) => cb(new Error(`connect ECONNREFUSED ${secretUrl}`)))
    const throwing: SessionStoreLike = {
      get() {
        throw new Error(`bad ${secretUrl}`)
      },
    }
    for (const store of [erroring, throwing]) {
      const answer = await checkReadiness(deps({ store }))
      expect(answer).toEqual({
        status: 'not ready',
        reason: 'the session store failed a read',
        checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unreachable' },
      })
      expect(JSON.stringify(answer)).not.toContain('hunter2')
    }
  })

  it('a store that never answers is unreachable when the bound passes, not before; a miss is an answer', async () => {
    vi.useFakeTimers()
    const asked: string[] = []
    const hanging: SessionStoreLike = { get: (sid) => void asked.push(sid) }
    let settled: unknown
    void checkReadiness(deps({ store: hanging })).then((a) => (settled = a))
    await vi.advanceTimersByTimeAsync(1999)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(settled).toEqual({
      status: 'not ready',
      reason: 'the session store did not answer within 2000 ms',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unreachable' },
    })
    expect(asked).toEqual([STORE_PROBE_ID])
    const miss = answeringStore((cb) => cb(null, null))
    expect((await checkReadiness(deps({ store: miss }))).status).toBe('ready')
  })

  it('is not used without option session, unknown yet (and ready) until a store is met', async () => {
    const unused = new SessionStores(false)
    unused.seen(missStore)
    expect(unused.list()).toEqual([])
    expect((await checkReadiness(deps({ stores: unused }))).checks.sessionStore).toBe('not used')
    const stores = new SessionStores(true)
    stores.learnFrom({})
    stores.learnFrom({ sessionStore: { get: 'not a function' } })
    expect(await checkReadiness(deps({ stores }))).toMatchObject({
      status: 'ready',
      checks: { sessionStore: 'unknown yet' },
    })
    stores.learnFrom({ sessionStore: missStore })
    stores.seen(missStore)
    expect(stores.list()).toEqual([missStore])
  })
})

describe('readiness: coordination', () => {
  it('reports Redis, and stays ready while it is down (the proxy keeps serving, limits per instance)', async () => {
    let redis: 'up' | 'down' = 'up'
    const coordination = { view: () => ({ redis }) }
    expect((await checkReadiness(deps({ coordination }))).checks.coordination).toBe('up')
    redis = 'down'
    expect(await checkReadiness(deps({ coordination }))).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unknown yet', coordination: 'down' },
    })
  })
})

describe('readyz over HTTP with the gateway draining', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise((r) => server?.close(r))
    server = undefined
  })

  it('answers 503 with the admission reason, then 200 once the gateway accepts', async () => {
    const view = { phase: 'accepting' as const, draining: true, reason: () => 'the gateway is draining for a restart' }
    const link = { state: 'up' as LinkState, admission: view as AdmissionView, request: async () => ({ sessions: [] }) }
    const probes = createProbes({
      path: '/chat',
      usesSession: false,
      link,
      coordination: undefined,
      isClosed: () => false,
      log: quiet,
    })
    server = createServer((req, res) => {
      if (!probes.handle(req, res)) res.writeHead(404).end()
    })
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat/readyz`
    const draining = await fetch(url)
    expect(draining.status).toBe(503)
    expect(draining.headers.get('cache-control')).toBe('no-store')
    expect(await draining.json()).toEqual({
      status: 'not ready',
      reason: 'the gateway is draining for a restart',
      checks: { gateway: 'up', admission: 'draining', sessionStore: 'not used' },
    })
    view.draining = false
    const ready = await fetch(url)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'not used' },
    })
  })
})
