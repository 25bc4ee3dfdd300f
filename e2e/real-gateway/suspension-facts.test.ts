// The real gateway's cooperative host suspension and a requested restart, as ClawChat's link sees them
// (device-signed `gateway-client`/`backend` with operator.read/write/admin): the hello snapshot's
// `suspension`, `gateway.suspend.prepare` / `.status` / `.resume` idle, busy and with `drain: true`, the
// `gateway.suspension` events, what new work gets while admission is closed, and `gateway.restart.request`
// with a run active. Writes what it saw to e2e/artifacts/real-gateway/suspension-probe.json; the mock's
// fixture packages/mock-gateway/test/fixtures/recorded/suspension.json was cut from that file. The SIGTERM
// drain (UNAVAILABLE "… unavailable during gateway restart") is asserted by shutdown-probe.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { probeSuspension, type ProbeExchange, type SuspensionProbeResult } from './suspension-probe.js'

let model: FakeModel
let gateway: RealGateway
let result: SuspensionProbeResult

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, readyTimeoutMs: 240_000 })
  result = await probeSuspension(gateway)
  const dir = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}suspension-probe.json`, JSON.stringify(result, null, 2))
}, 900_000)

afterAll(async () => {
  await gateway?.stop()
  await model?.stop()
})

const phases = (frames: Array<Record<string, any>>) =>
  frames.filter((f) => f.event === 'gateway.suspension').map((f) => f.payload)
const payload = (x: ProbeExchange) => x.response.payload
const suspended = (method: string, phase: string) => ({
  code: 'UNAVAILABLE',
  message: `${method} unavailable during gateway suspension`,
  retryable: true,
  retryAfterMs: 1000,
  details: { method, reason: 'gateway-suspending', phase },
})
/** The blockers the gateway lists for one streaming chat run (activeCount 8). */
const ONE_RUN_BLOCKERS = [
  { kind: 'queue', count: 2, message: '2 queued or active operation(s)' },
  { kind: 'reply', count: 1, message: '1 pending reply delivery operation(s)' },
  { kind: 'embedded-run', count: 1, message: '1 active embedded run(s)' },
  { kind: 'root-request', count: 1, message: '1 active gateway request(s): ws:chat.send' },
  { kind: 'session-admission', count: 2, message: '2 admitted session turn(s)' },
  { kind: 'chat-run', count: 1, message: '1 active chat run(s)' },
]

describe('cooperative host suspension on the real gateway (2026.9.6)', () => {
  it('hello-ok says the phase and advertises the event and the methods; no lease: status "running"', () => {
    expect(result.version).toBe('2026.9.6')
    expect(result.hello.suspension).toEqual({ phase: 'accepting' })
    expect(result.hello.eventsAdvertised).toBe(true)
    expect(result.hello.methodsAdvertised).toEqual(
      expect.arrayContaining(['gateway.suspend.prepare', 'gateway.suspend.status', 'gateway.suspend.resume']),
    )
    expect(payload(result.statusWhenRunning)).toEqual({ status: 'running' })
  })

  it('idle prepare: "ready" with a two-minute lease, events preparing → prepared', () => {
    const p = payload(result.idle.prepare)
    expect(p).toEqual({
      status: 'ready',
      suspensionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      expiresAtMs: expect.any(Number),
      activeCount: 0,
      blockers: [],
      writeCustody: [],
    })
    expect(p.expiresAtMs - result.idle.prepare.at).toBeGreaterThan(110_000)
    expect(p.expiresAtMs - result.idle.prepare.at).toBeLessThanOrEqual(120_000)
    expect(phases(result.idle.events)).toEqual([{ phase: 'preparing' }, { phase: 'prepared' }])
  })

  it('while prepared: new work, reads included, get UNAVAILABLE "… during gateway suspension" (phase prepared)', () => {
    for (const x of result.idle.whilePrepared) expect(x.response.error).toEqual(suspended(x.method, 'prepared'))
    expect(payload(result.idle.status)).toEqual({
      status: 'ready',
      expiresAtMs: payload(result.idle.prepare).expiresAtMs,
      writeCustody: [],
    })
    expect(result.idle.newConnectionSuspension).toEqual({ phase: 'prepared' })
  })

  it('resume: resumed true and accepting, then resumed false', () => {
    expect(payload(result.idle.resume)).toEqual({ ok: true, status: 'running', resumed: true })
    expect(phases(result.idle.eventsAfterResume)).toEqual([{ phase: 'accepting' }])
    expect(payload(result.idle.resumeAgain)).toEqual({ ok: true, status: 'running', resumed: false })
  })

  it('prepare with a run active and no drain: "busy", events preparing → accepting', () => {
    expect(payload(result.busy.prepare)).toEqual({
      status: 'busy',
      reason: 'active-work',
      retryAfterMs: 20_000,
      activeCount: 8,
      blockers: ONE_RUN_BLOCKERS,
      writeCustody: [],
    })
    expect(phases(result.busy.events)).toEqual([{ phase: 'preparing' }, { phase: 'accepting' }])
  })

  it('prepare with drain: "draining" (preparing → draining), new work refused, the run finishes, prepared at the next status', () => {
    const p = payload(result.drain.prepare)
    expect(p).toEqual({
      status: 'draining',
      suspensionId: expect.any(String),
      expiresAtMs: expect.any(Number),
      activeCount: 8,
      blockers: ONE_RUN_BLOCKERS,
      writeCustody: [],
      retryAfterMs: 20_000,
    })
    expect(phases(result.drain.events)).toEqual([{ phase: 'preparing' }, { phase: 'draining' }])
    for (const x of result.drain.whileDraining) expect(x.response.error).toEqual(suspended(x.method, 'draining'))
    const { suspensionId: _id, ...held } = p
    expect(payload(result.drain.status)).toEqual(held)
    expect(result.drain.runTerminal).toBe('final')
    // Not by itself: the first status call after the run's end answers ready, and `prepared` follows.
    expect(result.drain.preparedWithoutStatus).toBe(false)
    expect(payload(result.drain.statusAfterRun)).toEqual({
      status: 'ready',
      expiresAtMs: p.expiresAtMs,
      writeCustody: [],
    })
    expect(phases(result.drain.eventsAfterRun)).toEqual([{ phase: 'prepared' }])
    expect(payload(result.drain.resume)).toEqual({ ok: true, status: 'running', resumed: true })
    expect(phases(result.drain.eventsAfterResume)).toEqual([{ phase: 'accepting' }])
  })
})

describe('gateway.restart.request with a run active', () => {
  it('is deferred, keeps admitting new work, then sends shutdown and closes 1012 (no gateway.suspension)', () => {
    const p = payload(result.restart.request)
    expect(p).toMatchObject({
      ok: true,
      status: 'deferred',
      preflight: { safe: false },
      restart: { ok: true, signal: 'SIGUSR2', reason: 'gateway.restart.safe', mode: 'emit' },
    })
    expect(result.restart.during.map((x) => [x.method, x.response.ok])).toEqual([
      ['chat.send', true],
      ['sessions.list', true],
      ['chat.history', true],
    ])
    expect(payload(result.restart.during[0]!)).toMatchObject({ status: 'started' })
    expect(result.restart.runTerminal).toBe('final')
    expect(result.restart.events.map((f) => [f.event, f.payload])).toEqual([
      ['shutdown', { reason: 'gateway restarting', restartExpectedMs: 1500 }],
    ])
    expect(result.restart.close).toMatchObject({ code: 1012, reason: 'service restart' })
  })
})

describe('while a lease is held', () => {
  it('status naming another lease and a second prepare: retryable UNAVAILABLE until it expires; resume naming another: INVALID_REQUEST', () => {
    const expiresAtMs = payload(result.idle.prepare).expiresAtMs
    const conflict = (message: string, x: ProbeExchange) => {
      expect(x.response.error).toEqual({
        code: 'UNAVAILABLE',
        message,
        retryable: true,
        retryAfterMs: expect.any(Number),
        details: { reason: 'gateway-suspension-conflict', expiresAtMs },
      })
      expect(Math.abs(x.response.error.retryAfterMs - (expiresAtMs - x.at))).toBeLessThan(2000)
    }
    conflict('a different gateway suspension is prepared', result.idle.statusOther)
    conflict('another gateway suspension is already prepared', result.idle.prepareAgain)
    expect(result.idle.resumeOther.response.error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'gateway suspension id does not match',
    })
  })
})
