/**
 * The link's view of the gateway's own admission (`link.admission`, what the readiness probe reads):
 * the suspension phase from hello-ok and `gateway.suspension` events, the restart drain from the
 * gateway's refusals and its `shutdown`, reset on a new hello — against the mock gateway, which does
 * what the real one was recorded doing (e2e/real-gateway/suspension-facts.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startMockGateway, type MockAgent, type MockGateway } from '@clawchat/mock-gateway'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyLog } from '../src/common/log.js'
import { GatewayAdmission, type AdmissionView } from '../src/upstream/gateway-admission.js'
import { GatewayLink, UpstreamError } from '../src/upstream/gateway-link.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

const TOKEN = 'tok-admission-secret'
const quiet: ProxyLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Twelve chunks, one every `ms`: a run still streaming while the test suspends or restarts. */
const slowAgent = (ms: number): MockAgent =>
  async function* (message) {
    for (let i = 1; i <= 12; i++) {
      await sleep(ms)
      yield `chunk${i} `
    }
    yield `ECHO<<${message}>>`
  }

async function gateway(agent?: MockAgent): Promise<MockGateway> {
  const gw = await startMockGateway({
    token: TOKEN,
    host: '127.0.0.1',
    port: 0,
    chunkDelayMs: 2,
    ...(agent ? { agent } : {}),
  })
  cleanups.push(() => gw.close())
  return gw
}

async function linkTo(gw: MockGateway): Promise<GatewayLink> {
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-admission-'))
  const link = new GatewayLink({
    url: gw.url,
    token: TOKEN,
    identityPath: join(tmp, 'identity.json'),
    requestTimeoutMs: 5000,
    log: quiet,
    initialDelayMs: 20,
    maxDelayMs: 100,
  })
  cleanups.push(async () => {
    await link.close()
    rmSync(tmp, { recursive: true, force: true })
  })
  link.start()
  await waitFor(() => link.isUp, 5000, 'the link up')
  return link
}

const view = (a: AdmissionView) => ({ phase: a.phase, draining: a.draining, reason: a.reason() })

/** Starts a run; once `chat.send` is acknowledged the gateway counts it as active work. */
async function startSlowRun(link: GatewayLink, key: string): Promise<void> {
  await link.request('chat.send', { sessionKey: `clawchat:u:${key}`, message: key, idempotencyKey: key })
}

describe('link.admission against the mock gateway', () => {
  it('follows a suspension: prepared (not admitting, refusals), then accepting on resume', async () => {
    const gw = await gateway()
    const link = await linkTo(gw)
    expect(view(link.admission)).toEqual({ phase: 'accepting', draining: false, reason: undefined })

    expect(gw.suspend()).toMatchObject({ status: 'ready' })
    await waitFor(() => link.admission.phase === 'prepared', 5000, 'prepared')
    expect(link.admission.reason()).toBe(
      'the chat gateway is suspended by its host and takes no new work until it is resumed',
    )
    const refused = await link.request('sessions.list', {}).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(UpstreamError)
    expect((refused as UpstreamError).shape).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      details: { reason: 'gateway-suspending', phase: 'prepared' },
    })
    expect(link.isUp).toBe(true)

    gw.resumeFromSuspension()
    await waitFor(() => link.admission.phase === 'accepting', 5000, 'accepting')
    expect(view(link.admission)).toEqual({ phase: 'accepting', draining: false, reason: undefined })
  })

  it('drain: draining while a run finishes, prepared once the controller finds it ready', async () => {
    const gw = await gateway(slowAgent(30))
    const link = await linkTo(gw)
    await startSlowRun(link, 'drain-1')
    const lease = gw.suspend({ drain: true })
    expect(lease).toMatchObject({ status: 'draining' })
    await waitFor(() => link.admission.phase === 'draining', 5000, 'draining')
    expect(link.admission.reason()).toMatch(/being suspended by its host/)
    expect(link.admission.draining).toBe(false)
    // The host controller polls; the first status after the run's end finds it ready (as recorded).
    await waitFor(
      async () => {
        const s = (await link.request('gateway.suspend.status', { suspensionId: lease.suspensionId })) as {
          status: string
        }
        return s.status === 'ready'
      },
      10_000,
      'the lease ready',
    )
    await waitFor(() => link.admission.phase === 'prepared', 5000, 'prepared')
  })

  it('a restart drain: draining from the gateway refusing work, down at its shutdown, reset by the new hello', async () => {
    const gw = await gateway(slowAgent(40))
    const link = await linkTo(gw)
    await startSlowRun(link, 'restart-1')
    const restarting = gw.restart()
    await waitFor(() => !gw.listening, 5000, 'the drain to start')
    const refused = await link.request('sessions.list', {}).catch((e: unknown) => e)
    expect((refused as UpstreamError).shape).toMatchObject({ details: { reason: 'gateway-restarting' } })
    expect(link.admission.draining).toBe(true)
    expect(link.admission.reason()).toBe(
      'the chat gateway is draining for a restart or shutdown and takes no new work until it is back',
    )
    await waitFor(() => !link.isUp, 10_000, 'the link down at shutdown')
    expect(link.admission.draining).toBe(true)
    await restarting
    await waitFor(() => link.isUp, 10_000, 'the link up again')
    expect(view(link.admission)).toEqual({ phase: 'accepting', draining: false, reason: undefined })
  })

  it('takes the phase from hello-ok: a link that connects to a suspended gateway starts prepared; a new boot resets it', async () => {
    const gw = await gateway()
    gw.suspend()
    const link = await linkTo(gw)
    expect(link.admission.phase).toBe('prepared')
    await gw.restart()
    await waitFor(() => link.isUp && gw.connectionCount().authenticated === 1, 10_000, 'the link back')
    await waitFor(() => link.admission.phase === 'accepting', 5000, 'accepting after the restart')
    expect(link.admission.draining).toBe(false)
  })
})

describe('browsers', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it('never receive gateway.suspension (the router has no sanitiser for it)', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    await alice.request('chat.send', { message: 'hello', idempotencyKey: 'a-1' })
    await alice.waitForEvent('chat', (p) => p.state === 'final' && p.runId === 'a-1')
    h.gateway!.suspend()
    h.gateway!.resumeFromSuspension()
    // A run after both suspension events: the link relays in order, so once its final is through they were too.
    await alice.request('chat.send', { message: 'again', idempotencyKey: 'a-2' })
    await alice.waitForEvent('chat', (p) => p.state === 'final' && p.runId === 'a-2')
    expect(alice.frames.filter((f) => (f as { event?: string }).event === 'gateway.suspension')).toEqual([])
  })
})

describe('GatewayAdmission', () => {
  it('ignores what is not a phase and says nothing but a sentence', () => {
    const a = new GatewayAdmission()
    a.helloOk({ snapshot: { suspension: { phase: 'prepared' } } })
    a.heard({ event: 'gateway.suspension', payload: { phase: 'bogus' } })
    expect(a.phase).toBe('prepared')
    a.heard({ event: 'gateway.suspension', payload: null })
    a.refused(new UpstreamError('gateway', { code: 'UNAVAILABLE', message: 'x', details: { reason: 'other' } }))
    expect(view(a)).toMatchObject({ phase: 'prepared', draining: false })
    a.refused({ shape: { details: { reason: 'gateway-suspending', phase: 'draining' } } })
    expect(a.phase).toBe('draining')
    a.heard({ event: 'shutdown', payload: { reason: 'gateway stopping' } })
    expect(a.draining).toBe(true)
    a.helloOk({})
    expect(view(a)).toEqual({ phase: 'accepting', draining: false, reason: undefined })
  })
})
