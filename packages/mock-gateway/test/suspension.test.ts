/**
 * Cooperative host suspension as the real gateway does it (fixtures/recorded/suspension.json, recorded
 * by e2e/real-gateway/suspension-facts.test.ts): `gateway.suspend.prepare` / `.status` / `.resume` idle,
 * busy and draining, the `gateway.suspension` events, the hello snapshot's phase, the refusal of new
 * work while admission is closed, and the test handle `suspend()` / `resumeFromSuspension()`.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'

const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/suspension.json', import.meta.url), 'utf8'))

const h = new Harness()
afterEach(() => h.cleanup())

const ADMIN = ['operator.read', 'operator.write', 'operator.admin']

/** Ten chunks, one every `ms`: a run that is still active while the test prepares. */
const slowAgent = (ms: number): MockAgent =>
  async function* (message) {
    for (let i = 1; i <= 10; i++) {
      await sleep(ms)
      yield `chunk${String(i).padStart(2, '0')} `
    }
    yield `ECHO<<${message}>>`
  }

/** A recorded payload with the lease's id and expiry as "any" (they differ every time). */
function shaped(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload }
  if ('suspensionId' in out) out.suspensionId = expect.any(String)
  if ('expiresAtMs' in out) out.expiresAtMs = expect.any(Number)
  return out
}

/** The `gateway.suspension` payloads a client received since frame index `from`. */
const phasesSince = (c: RawClient, from = 0) =>
  c.frames
    .slice(from)
    .filter((f) => f.event === 'gateway.suspension')
    .map((f) => f.payload)

async function startRun(c: RawClient, key: string): Promise<void> {
  await c.request('chat.send', { sessionKey: `clawchat:s:${key}`, message: key, idempotencyKey: key })
  await c.event('chat', (p) => p.runId === key && p.state === 'delta', 5000)
}

const runEnd = (c: RawClient, key: string) =>
  c.event('chat', (p) => p.runId === key && ['final', 'error', 'aborted'].includes(p.state), 10_000)

describe('cooperative host suspension (gateway.suspend.*)', () => {
  it('idle: hello says accepting, prepare is ready (preparing → prepared), new work refused as recorded, resume reopens', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw, { scopes: ADMIN })
    const hello = c.frames.find((f) => f.id === 'c-1')
    expect(hello.payload.snapshot.suspension).toEqual(recorded.hello.suspension)
    expect(hello.payload.features.events).toContain('gateway.suspension')
    expect((await c.request('gateway.suspend.status', { suspensionId: 'none' })).payload).toEqual(
      recorded.statusWithoutLease,
    )

    const prepare = await c.request('gateway.suspend.prepare', { requestId: 'host-op-1' })
    expect(prepare.payload).toEqual(shaped(recorded.idle.prepare))
    expect(Object.keys(prepare.payload)).toEqual(Object.keys(recorded.idle.prepare))
    expect(prepare.payload.expiresAtMs - Date.now()).toBeGreaterThan(110_000)
    await c.event('gateway.suspension', (p) => p.phase === 'prepared')
    expect(phasesSince(c)).toEqual(recorded.idle.events)
    expect(gw.suspensionPhase).toBe('prepared')

    for (const r of recorded.idle.refusals) {
      const answer = await c.request(r.request.method, r.request.params)
      expect(answer.error).toEqual(r.error)
      expect(Object.keys(answer.error)).toEqual(Object.keys(r.error))
    }
    const { suspensionId } = prepare.payload
    expect((await c.request('gateway.suspend.status', { suspensionId })).payload).toEqual(shaped(recorded.idle.status))
    for (const other of [recorded.idle.statusOther, recorded.idle.prepareAgain, recorded.idle.resumeOther]) {
      const answer = await c.request(other.request.method, other.request.params)
      const expected = { ...other.error }
      if ('retryAfterMs' in expected) expected.retryAfterMs = expect.any(Number)
      if (expected.details) expected.details = { ...expected.details, expiresAtMs: prepare.payload.expiresAtMs }
      expect(answer.error).toEqual(expected)
    }
    const late = await h.connected(gw)
    expect(late.frames.find((f) => f.id === 'c-1').payload.snapshot.suspension).toEqual(
      recorded.idle.newHelloSuspension,
    )

    const mark = c.frames.length
    expect((await c.request('gateway.suspend.resume', { suspensionId })).payload).toEqual(recorded.idle.resume)
    await c.event('gateway.suspension', (p) => p.phase === 'accepting')
    expect(phasesSince(c, mark)).toEqual(recorded.idle.eventsAfterResume)
    expect((await c.request('gateway.suspend.resume', { suspensionId })).payload).toEqual(recorded.idle.resumeAgain)
    expect((await c.request('sessions.list', {})).ok).toBe(true)
  })

  it('a run active and no drain: busy with the recorded blockers, preparing → accepting, nothing refused', async () => {
    const gw = await h.gateway({ agent: slowAgent(40) })
    const c = await h.connected(gw, { scopes: ADMIN })
    await startRun(c, 'busy-1')
    const mark = c.frames.length
    const prepare = await c.request('gateway.suspend.prepare', { requestId: 'host-op-2' })
    expect(prepare.payload).toEqual(recorded.busy.prepare)
    await c.event('gateway.suspension', (p) => p.phase === 'accepting')
    expect(phasesSince(c, mark)).toEqual(recorded.busy.events)
    expect((await c.request('sessions.list', {})).ok).toBe(true)
    expect((await runEnd(c, 'busy-1')).payload.state).toBe('final')
  })

  it('drain: draining with the recorded shape, new work refused, the run finishes, then prepared; resume reopens', async () => {
    const gw = await h.gateway({ agent: slowAgent(40) })
    const c = await h.connected(gw, { scopes: ADMIN })
    await startRun(c, 'drain-1')
    const mark = c.frames.length
    const prepare = await c.request('gateway.suspend.prepare', { requestId: 'host-op-3', drain: true })
    expect(prepare.payload).toEqual(shaped(recorded.drain.prepare))
    expect(Object.keys(prepare.payload)).toEqual(Object.keys(recorded.drain.prepare))
    expect(phasesSince(c, mark)).toEqual(recorded.drain.events)
    for (const r of recorded.drain.refusals) {
      expect((await c.request(r.request.method, r.request.params)).error).toEqual(r.error)
    }
    const { suspensionId } = prepare.payload
    expect((await c.request('gateway.suspend.status', { suspensionId })).payload).toEqual(shaped(recorded.drain.status))

    const afterRun = c.frames.length
    expect((await runEnd(c, 'drain-1')).payload.state).toBe('final')
    // Like the real gateway: still draining until a status call looks again.
    expect(gw.suspensionPhase).toBe('draining')
    expect((await c.request('gateway.suspend.status', { suspensionId })).payload).toEqual(
      shaped(recorded.drain.statusAfterRun),
    )
    await c.event('gateway.suspension', (p) => p.phase === 'prepared')
    expect(phasesSince(c, afterRun)).toEqual(recorded.drain.eventsAfterRun)
    expect((await c.request('gateway.suspend.resume', { suspensionId })).payload).toEqual(recorded.drain.resume)
    await c.event('gateway.suspension', (p) => p.phase === 'accepting')
  })

  it('prepare and resume need operator.admin; status needs read', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    const prepare = await c.request('gateway.suspend.prepare', { requestId: 'x' })
    expect(prepare.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.admin' })
    expect((await c.request('gateway.suspend.resume', { suspensionId: 'x' })).error.code).toBe('FORBIDDEN')
    expect((await c.request('gateway.suspend.status', { suspensionId: 'x' })).payload).toEqual({ status: 'running' })
    const admin = await h.connected(gw, { scopes: ADMIN })
    const bad = await admin.request('gateway.suspend.prepare', { requestId: '   ' })
    expect(bad.error.code).toBe('INVALID_REQUEST')
    expect(bad.error.message).toMatch(/^invalid gateway\.suspend\.prepare params: .*requestId/)
    expect((await admin.request('gateway.suspend.prepare', {})).error.message).toMatch(
      /invalid gateway\.suspend\.prepare params/,
    )
  })
})

describe('the test handle', () => {
  it('suspend({ drain }) / resumeFromSuspension() drive the phase every connection sees, and a restart resets it', async () => {
    const gw = await h.gateway({ agent: slowAgent(30) })
    const c = await h.connected(gw)
    await startRun(c, 'handle-1')
    expect(gw.suspend()).toMatchObject({ status: 'busy', activeCount: 8 })
    expect(gw.suspensionPhase).toBe('accepting')
    const lease = gw.suspend({ drain: true })
    expect(lease).toMatchObject({ status: 'draining', suspensionId: expect.any(String) })
    expect(gw.suspensionPhase).toBe('draining')
    expect((await c.request('chat.history', { sessionKey: 'clawchat:s:handle-1' })).error.details).toEqual({
      method: 'chat.history',
      reason: 'gateway-suspending',
      phase: 'draining',
    })
    await runEnd(c, 'handle-1')
    await c.request('gateway.suspend.status', { suspensionId: lease.suspensionId })
    await c.event('gateway.suspension', (p) => p.phase === 'prepared')
    expect(gw.resumeFromSuspension()).toBe(true)
    expect(gw.resumeFromSuspension()).toBe(false)
    await c.event('gateway.suspension', (p) => p.phase === 'accepting')

    expect(gw.suspend()).toMatchObject({ status: 'ready' })
    await gw.restart()
    expect(gw.suspensionPhase).toBe('accepting')
    const after = await h.connected(gw)
    expect(after.frames.find((f) => f.id === 'c-1').payload.snapshot.suspension).toEqual({ phase: 'accepting' })
  })

  it('says what was wrong with its options', () => {
    return h.gateway().then((gw) => {
      expect(() => gw.suspend({ drain: 'yes' as unknown as boolean })).toThrow(
        'MockGateway.suspend: option "drain" must be a boolean, got "yes"',
      )
      expect(() => gw.suspend(null as never)).toThrow(/options must be an object/)
    })
  })
})
