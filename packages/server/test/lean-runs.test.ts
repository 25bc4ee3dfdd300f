/**
 * Issue 19, `clawchat.runs` through the whole relay: the proxy answers it itself (never upstream,
 * also while the gateway is down) with the caller's own runs in progress — bob never sees alice's —
 * each with exactly the text the lean deltas carried up to the `seq` the answer names; every
 * authenticated user may call it whatever `policy.methods` says; params other than `{}` are refused
 * with a clear INVALID_REQUEST; each call leaves an audit line.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LEAN_CAP } from '@clawchat/protocol'
import type { MockAgent } from '@clawchat/mock-gateway'
import { startHarness, testAgent, waitFor, type Harness, type TestClient } from './helpers/harness.js'
import { leanView } from './helpers/lean-view.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** `slow:<who>`: 60 chunks `<who><i> ` 30 ms apart; anything else: the harness's echo agent. */
const slowAgent: MockAgent = (message, context) => {
  const slow = /^slow:(\w+)$/.exec(message)
  if (!slow) return testAgent(message, context)
  return (async function* () {
    for (let i = 0; i < 60; i += 1) {
      if (context.signal.aborted) return
      await new Promise((r) => setTimeout(r, 30))
      yield `${slow[1]}${i} `
    }
  })()
}

async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness({ ...options, gateway: { agent: slowAgent, ...options.gateway } })
  await h.waitForLinkUp()
  return h
}

async function leanTab(userId: string): Promise<TestClient> {
  const client = await h!.connectAs({ id: userId }, false)
  expect((await client.connect({ caps: [LEAN_CAP] })).ok).toBe(true)
  return client
}

/** Starts a slow run and waits until `client` has some of its text. */
async function startSlow(client: TestClient, who: string, runId: string): Promise<void> {
  const ack = await client.request('chat.send', { message: `slow:${who}`, idempotencyKey: runId, sessionKey: 'work' })
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  await waitFor(() => (leanView(client).runs.get(runId)?.text.length ?? 0) > 10, 10_000, `${runId} streaming`)
}

/** The index in `client.raw` of the answer to request `id`. */
const answerIndex = (client: TestClient, id: string) => client.raw.findIndex((raw) => raw.includes(`"id":"${id}"`))

describe('clawchat.runs', () => {
  it("answers the caller's own runs in progress, with the text up to the seq it names", async () => {
    await start()
    const alice = await leanTab('alice')
    const bob = await leanTab('bob')
    await Promise.all([startSlow(alice, 'alice', 'a-run'), startSlow(bob, 'bob', 'b-run')])
    h!.gateway!.clearRequests()

    for (let i = 0; i < 3; i += 1) {
      const answer = await alice.request('clawchat.runs', {})
      expect(answer.ok, JSON.stringify(answer.error)).toBe(true)
      const { runs, seq } = answer.payload
      expect(runs).toHaveLength(1)
      expect(runs[0]).toMatchObject({ runId: 'a-run', sessionKey: 'work' })
      // What alice had been sent before the answer: every seq up to the answer's, and that text.
      const before = leanView(alice, answerIndex(alice, answer.id))
      expect(before.seqs.at(-1)).toBe(seq)
      expect(runs[0].text).toBe(before.runs.get('a-run')!.text)
      expect(runs[0].text.startsWith('alice0 alice1 ')).toBe(true)
      await new Promise((r) => setTimeout(r, 50))
    }

    const bobs = await bob.request('clawchat.runs')
    expect(bobs.ok).toBe(true)
    expect(bobs.payload.runs.map((r: { runId: string }) => r.runId)).toEqual(['b-run'])
    expect(JSON.stringify(bobs.payload)).not.toContain('alice')
    // Answered by the proxy: nothing went upstream.
    expect(h!.gateway!.requests.filter((r) => r.method === 'clawchat.runs')).toEqual([])

    await alice.waitForEvent('chat', (p) => p.runId === 'a-run' && p.state === 'final', 20_000)
    const after = await alice.request('clawchat.runs', {})
    expect(after.payload.runs.map((r: { runId: string }) => r.runId)).not.toContain('a-run')
    const audit = h!.capture.audit.map((line) => JSON.parse(line)).filter((e) => e.method === 'clawchat.runs')
    expect(audit.length).toBeGreaterThanOrEqual(5)
    expect(audit.every((e) => e.event === 'request' && e.outcome === 'ok' && e.userId)).toBe(true)
  })

  it('is allowed whatever policy.methods says, and refuses params', async () => {
    await start({ proxy: { policy: { methods: { user: ['chat.send'] } } } })
    const alice = await leanTab('alice')
    const history = await alice.request('chat.history', { sessionKey: 'main' })
    expect(history.error.code).toBe('FORBIDDEN')
    await startSlow(alice, 'alice', 'p-run')
    for (const params of [undefined, {}]) {
      const answer = await alice.request('clawchat.runs', params)
      expect(answer.ok, JSON.stringify(answer.error)).toBe(true)
      expect(answer.payload.runs.map((r: { runId: string }) => r.runId)).toEqual(['p-run'])
    }
    const bad = await alice.request('clawchat.runs', { sessionKey: 'main' })
    expect(bad.ok).toBe(false)
    expect(bad.error.code).toBe('INVALID_REQUEST')
    expect(bad.error.message).toMatch(/clawchat\.runs.*takes no params.*sessionKey/)
    const notObject = await alice.request('clawchat.runs', ['x'])
    expect(notObject.error.code).toBe('INVALID_REQUEST')
  })

  it('answers while the gateway is down', async () => {
    await start()
    const alice = await leanTab('alice')
    await startSlow(alice, 'alice', 'down-run')
    await h!.gateway!.crash()
    await waitFor(() => h!.proxy.stats().gateway !== 'up', 10_000, 'the link to go down')
    const history = await alice.request('chat.history', { sessionKey: 'work' })
    expect(history.error.code).toBe('UNAVAILABLE')
    const answer = await alice.request('clawchat.runs', {})
    expect(answer.ok, JSON.stringify(answer.error)).toBe(true)
    expect(answer.payload.runs.map((r: { runId: string }) => r.runId)).toEqual(['down-run'])
    expect(answer.payload.runs[0].text).toBe(leanView(alice).runs.get('down-run')!.text)
  })
})
