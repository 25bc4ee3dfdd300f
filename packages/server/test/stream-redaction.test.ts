/**
 * Issue 16.5 through the whole relay: the agent (it can read its own config) prints the gateway
 * token split across deltas — in 2, 3 or many chunks, split at every position. A browser that joins
 * the `deltaText`s (or the `agent` twins' `delta`s) never gets the token, nor in `message`, the
 * final, or `chat.history`; the text it sees is the agent's, with `[redacted]` where the token was.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '@clawchat/mock-gateway'
import { startHarness, testAgent, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** The token, once the harness made it (the agent reads its own config). */
let token = ''
const reply = () => `Here it is: ${token} (from my config).`
const expected = () => reply().split(token).join('[redacted]')

/**
 * `leak:<cuts>`: the agent prints {@link reply} cut at the given offsets into the token
 * (`leak:5,20`: three chunks), `leak:each`: one character per chunk.
 */
const leakingAgent: MockAgent = (message, context) => {
  const match = /^leak:(.*)$/.exec(message)
  if (!match) return testAgent(message, context)
  const text = reply()
  if (match[1] === 'each') return [...text]
  const at = text.indexOf(token)
  const cuts = match[1]!.split(',').map((n) => at + Number(n))
  return [0, ...cuts].map((from, i) => text.slice(from, cuts[i] ?? text.length))
}

const textOf = (message: any): string =>
  typeof message?.content === 'string'
    ? message.content
    : (message?.content ?? [])
        .filter((p: any) => p.type === 'text')
        .map((p: any) => p.text)
        .join('')

/** What one run looked like to a browser that joins everything it is sent. */
function seenOf(client: TestClient, runId: string) {
  const chat = client.events('chat').filter((f) => f.payload.runId === runId)
  const deltas = chat.filter((f) => f.payload.state === 'delta')
  let joined = ''
  for (const d of deltas) {
    joined += d.payload.deltaText
    // `message` is the whole text so far: always what the deltas joined give.
    expect(textOf(d.payload.message)).toBe(joined)
  }
  let agentJoined = ''
  for (const a of client.events('agent').filter((f) => f.payload.runId === runId && f.payload.stream === 'assistant')) {
    agentJoined += a.payload.data.delta
    expect(a.payload.data.text).toBe(agentJoined)
  }
  const final = chat.find((f) => f.payload.state === 'final')
  return { joined, agentJoined, final: textOf(final?.payload.message), deltas: deltas.length }
}

async function runAll(client: TestClient, messages: string[]): Promise<string[]> {
  const runIds: string[] = []
  for (let i = 0; i < messages.length; i += 12) {
    const batch = messages.slice(i, i + 12)
    const ids = batch.map((_, j) => `run-${i + j}`)
    const acks = await Promise.all(
      batch.map((message, j) =>
        client.request('chat.send', { message, idempotencyKey: ids[j], sessionKey: `s${i + j}` }),
      ),
    )
    for (const ack of acks) expect(ack.ok).toBe(true)
    await waitFor(
      () => ids.every((id) => client.events('chat').some((f) => f.payload.runId === id && f.payload.state === 'final')),
      30_000,
      'the finals',
    )
    runIds.push(...ids)
  }
  return runIds
}

describe('a token the agent streams in pieces', () => {
  it('never reaches the browser, however it is split, and the rest of the text is unchanged', async () => {
    h = await startHarness({ gateway: { agent: leakingAgent, chunkDelayMs: 1 } })
    token = h.token
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    const messages = ['leak:each']
    for (let i = 1; i < token.length; i += 1) messages.push(`leak:${i}`)
    for (let i = 1; i < token.length - 1; i += 4)
      messages.push(`leak:${i},${i + 1 + ((i * 7) % (token.length - i - 1))}`)
    const runIds = await runAll(alice, messages)
    await waitFor(
      () =>
        runIds.every((id) =>
          alice
            .events('agent')
            .some((f) => f.payload.runId === id && f.payload.stream === 'lifecycle' && f.payload.data.phase === 'end'),
        ),
      10_000,
      'the ends',
    )

    for (const [i, runId] of runIds.entries()) {
      const seen = seenOf(alice, runId)
      expect(seen.deltas, messages[i]).toBeGreaterThan(1)
      expect(seen.joined, messages[i]).toBe(expected())
      expect(seen.agentJoined, messages[i]).toBe(expected())
      expect(seen.final, messages[i]).toBe(expected())
    }
    // History, for every session the runs used.
    for (const [i] of runIds.entries()) {
      const history = await alice.request('chat.history', { sessionKey: `s${i}` })
      expect(history.ok).toBe(true)
      expect(history.payload.messages.map(textOf)).toEqual([messages[i], expected()])
    }
    const everything = alice.raw.join('\n')
    expect(everything).toContain('[redacted]')
    expect(everything).not.toContain(token)
    // Nor can it be rebuilt by joining every delta text the browser was sent, in order.
    const allDeltas = alice
      .events('chat')
      .map((f) => f.payload.deltaText ?? '')
      .join('')
    const allAgentDeltas = alice
      .events('agent')
      .map((f) => f.payload.data?.delta ?? '')
      .join('')
    expect(allDeltas).not.toContain(token)
    expect(allAgentDeltas).not.toContain(token)
  }, 120_000)

  it('also when the browser connects while the run streams', async () => {
    h = await startHarness({ gateway: { agent: leakingAgent, chunkDelayMs: 30 } })
    token = h.token
    await h.waitForLinkUp()
    const tab1 = await h.connectAs({ id: 'alice' })
    await tab1.request('chat.send', { message: 'leak:each', idempotencyKey: 'late' })
    await tab1.waitForEvent('chat', (p) => p.runId === 'late' && p.state === 'delta' && textOf(p.message).length > 20)
    const tab2 = await h.connectAs({ id: 'alice' })
    await tab2.waitForEvent('chat', (p) => p.runId === 'late' && p.state === 'final', 30_000)
    for (const tab of [tab1, tab2]) {
      expect(tab.raw.join('\n')).not.toContain(token)
      expect(textOf(tab.events('chat').find((f) => f.payload.state === 'final')!.payload.message)).toBe(expected())
    }
    expect(seenOf(tab1, 'late').joined).toBe(expected())
    // The late tab's deltas begin mid-run; each message is a prefix of the text the first tab saw.
    const lateDeltas = tab2.events('chat').filter((f) => f.payload.runId === 'late' && f.payload.state === 'delta')
    expect(lateDeltas.length).toBeGreaterThan(3)
    for (const d of lateDeltas) expect(expected().startsWith(textOf(d.payload.message))).toBe(true)
  }, 60_000)
})
