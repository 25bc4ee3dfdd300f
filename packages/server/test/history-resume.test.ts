/**
 * `chat.history` tells a page that reloads mid-run what it needs to resume (issue 20): whether a
 * run is in progress (`hasActiveRun`, which the gateway says in `sessionInfo`), which (`activeRunIds`,
 * own runs only), the run the gateway works on with its text so far (`inFlightRun`, its run id in
 * the browser's name, its text cut like history texts and held back where it could start a secret),
 * and each message's transcript entry `id`. Shapes as measured on openclaw 2026.9.6 (FACTS20 §1).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext } from '../src/isolation/policy.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'
import { StreamRedactor } from '../src/isolation/stream-redactor.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }
const KEY = `agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`
const own = (browserKey: string) => upstreamRunId(NS, 'alice', 'main', browserKey)

async function history(answer: Record<string, unknown>, params: Record<string, unknown> = {}) {
  const planned = planRequest(DEFAULT_METHOD_POLICY, 'chat.history', params, alice)
  if (!planned.ok) throw new Error(JSON.stringify(planned.error))
  return (await planned.plan.run(async () => ({
    sessionKey: KEY,
    sessionId: 'sid',
    messages: [],
    ...answer,
  }))) as Record<string, any>
}

/** The gateway's `inFlightRun` of a streaming run, with the agent frames it carries (measured). */
const inFlight = (runId: string, text: string) => ({
  runId,
  text,
  startedAt: 1764000000000,
  events: [{ sessionKey: KEY, runId, seq: 3, stream: 'assistant', data: { text } }],
})

describe('chat.history while a run streams', () => {
  it('says the run, its text so far and when it started, in the browser run id; the gateway events stay', async () => {
    const out = await history({
      sessionInfo: { hasActiveRun: true, status: 'running', sessionId: 'sid' },
      inFlightRun: inFlight(own('k1'), 'Hello, wor'),
    })
    expect(out.hasActiveRun).toBe(true)
    expect(out).not.toHaveProperty('activeRunIds') // the gateway leaves it out while running
    expect(out.inFlightRun).toEqual({ runId: 'k1', text: 'Hello, wor', startedAt: 1764000000000 })
    expect(JSON.stringify(out)).not.toMatch(/sessionInfo|"events"|clawchat:|"sid"/)
  })

  it('idle: hasActiveRun false, activeRunIds [] as the gateway says them, no inFlightRun', async () => {
    const out = await history({ sessionInfo: { hasActiveRun: false, activeRunIds: [], status: 'done' } })
    expect(out).toMatchObject({ hasActiveRun: false, activeRunIds: [] })
    expect(out).not.toHaveProperty('inFlightRun')
    // Nothing said: nothing invented.
    const bare = await history({})
    for (const field of ['hasActiveRun', 'activeRunIds', 'inFlightRun']) expect(bare).not.toHaveProperty(field)
  })

  it("keeps only the user's own active run ids", async () => {
    const bobs = upstreamRunId(NS, 'bob', 'main', 'kb')
    const out = await history({
      sessionInfo: { hasActiveRun: true, activeRunIds: [own('k1'), 'f0e1-gateway-run', bobs, own('k2')] },
    })
    expect(out.activeRunIds).toEqual(['k1', 'k2'])
    expect(JSON.stringify(out)).not.toContain('kb')
  })

  it('during an approval wait with a queued message: the queued run is the one in flight, with no text yet', async () => {
    const out = await history({
      sessionInfo: { hasActiveRun: true, status: 'running' },
      inFlightRun: inFlight(own('queued-2'), ''),
      messages: [
        { role: 'user', content: 'run ls', idempotencyKey: `${own('first-1')}:user`, __openclaw: { id: 'u1' } },
        {
          role: 'assistant',
          content: [{ type: 'toolCall', id: 'call_1', name: 'exec', arguments: { command: 'ls' } }],
          stopReason: 'toolUse',
          __openclaw: { id: 'a1', runId: own('first-1') },
        },
      ],
    })
    expect(out.hasActiveRun).toBe(true)
    expect(out.inFlightRun).toEqual({ runId: 'queued-2', text: '', startedAt: 1764000000000 })
    expect(out.messages.map((m: any) => [m.id, m.runId])).toEqual([
      ['u1', 'first-1'],
      ['a1', 'first-1'],
    ])
  })

  it("names no run it did not make: another user's run in flight shows with no runId", async () => {
    const out = await history({ inFlightRun: inFlight(upstreamRunId(NS, 'bob', 'main', 'kb'), 'x') })
    expect(out.inFlightRun).toEqual({ text: 'x', startedAt: 1764000000000 })
  })

  it('cuts the text so far to maxChars, marked like a history text', async () => {
    const out = await history({ inFlightRun: { runId: own('k1'), text: 'abcdefghij' } }, { maxChars: 4 })
    expect(out.inFlightRun).toEqual({ runId: 'k1', text: 'abcd\n...(truncated)...' })
  })

  it('holds back a tail of the text so far that could be the start of a secret', () => {
    const token = 'tok_0123456789abcdef'
    const streams = new StreamRedactor([token])
    const answer = { sessionKey: 'main', messages: [], inFlightRun: { runId: 'k1', text: 'the token is tok_0123' } }
    expect(streams.history(answer)).toEqual({ ...answer, inFlightRun: { runId: 'k1', text: 'the token is ' } })
    const clean = { sessionKey: 'main', messages: [], inFlightRun: { runId: 'k1', text: 'nothing here' } }
    expect(streams.history(clean)).toBe(clean)
  })
})

describe("a history message's id", () => {
  it('is the transcript entry id (__openclaw.id), when it is a short clean string', async () => {
    const row = (id: unknown) => ({ role: 'user', content: 'x', __openclaw: { id } })
    const out = await history({
      messages: [
        row('e-1'),
        row('x'.repeat(128)),
        row('x'.repeat(129)),
        row(42),
        row(''),
        row('a\nb'),
        { role: 'user', content: 'y', id: 'top' },
      ],
    })
    expect(out.messages.map((m: any) => m.id)).toEqual([
      'e-1',
      'x'.repeat(128),
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})
