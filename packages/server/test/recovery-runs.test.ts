/**
 * Crash recovery, exact (issue 20): after a gateway crash mid-run the gateway starts a recovery run
 * of its own (a run id the proxy never made) on the session. In `chat.history` its rows are
 * attributed to the interrupted run of the user's (the latest own run before it with no reply of
 * its own) — they carry that run's browser `runId`; the gateway's `[System] …interrupted…` user row
 * keeps none. Live, once the link is back, its `chat` events are routed as the interrupted run, so
 * a stream waiting for that reply sees it. Rows shaped like the real gateway's (e2e/real-gateway
 * README, "The recovery turn after a crash"; history-run-ids.test.ts for the idempotency keys).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { INTERRUPTED_MAX_AGE_MS } from '../src/isolation/interrupted-runs.js'
import { LiveRuns } from '../src/isolation/live-runs.js'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext } from '../src/isolation/policy.js'
import { EventRouter, type RoutableConnection } from '../src/isolation/router.js'
import { gatewaySessionKey, opaqueRunId, upstreamRunId } from '../src/isolation/session-keys.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }
const KEY = `agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`
const own = (browserKey: string, session = 'main') => upstreamRunId(NS, 'alice', session, browserKey)
const RECOVERY = '8b1f0c52-3d1e-4f3a-9a57-2f0b6f7d1c11'
const SYSTEM_TEXT = '[System] Your previous turn was interrupted by a gateway restart. Continue where you left off.'

const userRow = (text: string, runKey: string, id: string) => ({
  role: 'user',
  content: text,
  timestamp: 1,
  idempotencyKey: `${runKey}:user`,
  __openclaw: { id, idempotencyKey: `${runKey}:user` },
})
const assistantRow = (text: string, runKey: string, id: string, stopReason = 'stop') => ({
  role: 'assistant',
  content: [{ type: 'text', text }],
  stopReason,
  timestamp: 2,
  __openclaw: { id, runId: runKey },
})

async function history(messages: unknown[], extra: Record<string, unknown> = {}) {
  const planned = planRequest(DEFAULT_METHOD_POLICY, 'chat.history', {}, alice)
  if (!planned.ok) throw new Error(JSON.stringify(planned.error))
  const answer = await planned.plan.run(async () => ({ sessionKey: KEY, messages, ...extra }))
  return answer as { messages: Array<Record<string, unknown>>; inFlightRun?: Record<string, unknown> }
}

describe('chat.history after a gateway crash mid-run', () => {
  it("gives the recovery run's reply the interrupted run's runId; the [System] row keeps none", async () => {
    const out = await history([
      userRow('first', own('k0'), 'u0'),
      assistantRow('ECHO first', own('k0'), 'a0'),
      userRow('tell me a story', own('k1'), 'u1'),
      userRow(SYSTEM_TEXT, '3c9f7a10-system', 'u2'),
      assistantRow('[Queued user message from a previous active turn…] tell me a story — Once upon…', RECOVERY, 'a2'),
    ])
    expect(out.messages.map((m) => [m.role, m.id, m.runId])).toEqual([
      ['user', 'u0', 'k0'],
      ['assistant', 'a0', 'k0'],
      ['user', 'u1', 'k1'],
      ['user', 'u2', undefined],
      ['assistant', 'a2', 'k1'],
    ])
    expect(JSON.stringify(out)).not.toContain(RECOVERY)
  })

  it('attributes a recovery run still without rows (its inFlightRun) to the run waiting for its reply', async () => {
    const out = await history([userRow('tell me a story', own('k1'), 'u1'), userRow(SYSTEM_TEXT, 'sys', 'u2')], {
      inFlightRun: { runId: RECOVERY, text: 'Once', startedAt: 5 },
      sessionInfo: { hasActiveRun: true },
    })
    expect(out.inFlightRun).toEqual({ runId: 'k1', text: 'Once', startedAt: 5 })
  })

  it('keeps the tool turns of the interrupted run (no reply yet) and attributes the recovery after them', async () => {
    const out = await history([
      userRow('run ls', own('k1'), 'u1'),
      assistantRow('', own('k1'), 'a1', 'toolUse'),
      userRow(SYSTEM_TEXT, 'sys', 'u2'),
      assistantRow('done', RECOVERY, 'a2'),
      assistantRow('and more', RECOVERY, 'a3'),
    ])
    expect(out.messages.map((m) => m.runId)).toEqual(['k1', 'k1', undefined, 'k1', 'k1'])
  })

  it('attributes nothing when the latest own run has its reply, or to a run of another user', async () => {
    const answered = await history([
      userRow('hi', own('k1'), 'u1'),
      assistantRow('hello', own('k1'), 'a1'),
      assistantRow('a run of the gateway', RECOVERY, 'a2'),
    ])
    expect(answered.messages.map((m) => m.runId)).toEqual(['k1', 'k1', undefined])
    const crafted = await history([
      userRow('hi', own('k1'), 'u1'),
      assistantRow('not yours', upstreamRunId(NS, 'bob', 'main', 'kb'), 'a1'),
    ])
    expect(crafted.messages.map((m) => m.runId)).toEqual(['k1', undefined])
    expect(JSON.stringify(crafted)).not.toContain('kb')
  })

  it('a second recovery after an answered one is not attributed to the run answered before', async () => {
    const out = await history([
      userRow('q1', own('k1'), 'u1'),
      userRow(SYSTEM_TEXT, 'sys', 'u2'),
      assistantRow('answer 1', RECOVERY, 'a2'),
      assistantRow('later gateway run', 'another-gateway-run', 'a3'),
    ])
    expect(out.messages.map((m) => m.runId)).toEqual(['k1', undefined, 'k1', undefined])
  })
})

/** A fake browser connection recording its events. */
function connection(userId: string) {
  const sent: Array<{ event: string; payload: any }> = []
  const conn: RoutableConnection = {
    connId: `${userId}-1`,
    userId,
    sessionId: undefined,
    caps: [],
    sendEvent: (event, payload) => void sent.push({ event, payload }),
  }
  return { conn, sent }
}

function setup() {
  const a = connection('alice')
  const b = connection('bob')
  const live = new LiveRuns()
  const registry = { forUser: (userId: string) => [a.conn, b.conn].filter((c) => c.userId === userId) }
  return { router: new EventRouter(NS, registry, undefined, undefined, live), live, alice: a, bob: b }
}

const chat = (payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: 'chat', payload })
const delta = (runId: string, text: string, deltaText: string, sessionKey = KEY) =>
  chat({
    runId,
    sessionKey,
    seq: 1,
    state: 'delta',
    deltaText,
    message: { role: 'assistant', content: [{ type: 'text', text }] },
  })

describe('live: a recovery run once the link is back', () => {
  let h: Harness | undefined
  afterEach(async () => {
    vi.useRealTimers()
    await h?.close()
    h = undefined
  })

  it('reaches the stream waiting for the interrupted reply, through the proxy, after a gateway crash', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    h.gateway!.emitEvent('chat', delta(own('k1'), 'Once upon a', 'Once upon a').payload)
    await alice.waitForEvent('chat', (p) => p.runId === 'k1' && p.state === 'delta')
    await h.gateway!.crash()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down')
    h.gateway!.resume()
    await h.gateway!.restart()
    await waitFor(() => h!.proxy.stats().gateway === 'up', 10_000, 'the link to come back')
    h.gateway!.emitEvent('chat', delta(RECOVERY, 'Once upon a time', 'Once upon a time').payload)
    const final = {
      runId: RECOVERY,
      sessionKey: KEY,
      seq: 2,
      state: 'final',
      message: { role: 'assistant', content: 'Once upon a time.' },
    }
    h.gateway!.emitEvent('chat', final)
    const ended = await alice.waitForEvent('chat', (p) => p.state === 'final')
    expect(ended.payload).toMatchObject({ runId: 'k1', sessionKey: 'main', message: { content: 'Once upon a time.' } })
    const restarted = alice.events('chat').find((f) => f.payload.replace === true)
    expect(restarted?.payload).toMatchObject({ runId: 'k1', deltaText: 'Once upon a time', replace: true })
    expect(bob.events('chat')).toEqual([])
    expect(alice.raw.join('\n')).not.toContain(RECOVERY)
  })

  it('streams as the interrupted run, its text starting over, and ends it', () => {
    const { router, live, alice, bob } = setup()
    router.route(delta(own('k1'), 'Once upon a', 'Once upon a'))
    router.linkDown()
    router.route(delta(RECOVERY, 'Once', 'Once'))
    router.route(delta(RECOVERY, 'Once upon', ' upon'))
    expect(live.ofUser('alice')).toEqual([{ runId: 'k1', sessionKey: 'main', text: 'Once upon' }])
    router.route(
      chat({
        runId: RECOVERY,
        sessionKey: KEY,
        seq: 3,
        state: 'final',
        message: { role: 'assistant', content: 'Once upon' },
      }),
    )
    const payloads = alice.sent.map((s) => s.payload)
    expect(payloads.map((p) => [p.runId, p.state, p.deltaText, p.replace])).toEqual([
      ['k1', 'delta', 'Once upon a', undefined],
      ['k1', 'delta', 'Once', true],
      ['k1', 'delta', ' upon', undefined],
      ['k1', 'final', undefined, undefined],
    ])
    expect(live.ofUser('alice')).toEqual([])
    expect(bob.sent).toEqual([])
  })

  it('leaves a gateway run alone where nothing was interrupted, and after the run went on by itself', () => {
    const { router, alice } = setup()
    router.route(delta(own('k1'), 'a', 'a'))
    router.route(delta(RECOVERY, 'x', 'x'))
    expect(alice.sent.at(-1)?.payload.runId).toBe(opaqueRunId(NS, RECOVERY))
    // The link blipped, the gateway did not crash: the interrupted run streams on, nothing waits.
    router.linkDown()
    router.route(delta(own('k1'), 'ab', 'b'))
    router.route(delta('other-gateway-run', 'y', 'y'))
    expect(alice.sent.at(-1)?.payload.runId).toBe(opaqueRunId(NS, 'other-gateway-run'))
  })

  it('only on the session of the interrupted run, and not after the wait is over', () => {
    vi.useFakeTimers()
    const { router, alice } = setup()
    router.route(delta(own('k1'), 'a', 'a'))
    router.linkDown()
    const workKey = `agent:main:${gatewaySessionKey(NS, 'alice', 'work')}`
    router.route(delta(RECOVERY, 'x', 'x', workKey))
    expect(alice.sent.at(-1)?.payload.runId).toBe(opaqueRunId(NS, RECOVERY))
    vi.advanceTimersByTime(INTERRUPTED_MAX_AGE_MS + 1)
    router.route(delta('late-gateway-run', 'y', 'y'))
    expect(alice.sent.at(-1)?.payload.runId).toBe(opaqueRunId(NS, 'late-gateway-run'))
  })
})
