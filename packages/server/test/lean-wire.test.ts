/**
 * Issue 19, the lean wire through the whole relay (clawchatProxy + the mock gateway, raw ws
 * clients): a tab that names `clawchat.lean` and a tab that does not, of the same user, receive the
 * same runs — the lean tab's text (run head + compact deltas, with `replace`) is byte for byte the
 * OpenClaw tab's final text; a reconnected lean tab is whole again from its run head; the lean
 * final leaves the text out only when it can be checked; the text twins stay away unless asked
 * for; a token split across deltas reaches neither tab.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ASSISTANT_EVENTS_CAP, CLAWCHAT_RUN_EVENT, LEAN_CAP, TOOL_EVENTS_CAP } from '@clawchat/protocol'
import type { MockAgent } from '@clawchat/mock-gateway'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'
import { startHarness, testAgent, type Harness, type TestClient } from './helpers/harness.js'
import { contiguous, leanView, openclawView, textOf } from './helpers/lean-view.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** The gateway token, once the harness made it (`leak:` prints it). */
let token = ''
const leakReply = () => `Here it is: ${token} (from my config).`

/**
 * `words:<n>`: n chunks; `slow:<n>`: n chunks 40 ms apart; `leak:each`: a reply with the token in
 * it, one character per chunk; anything else: the harness's echo agent.
 */
const leanAgent: MockAgent = (message, context) => {
  const words = /^words:(\d+)$/.exec(message)
  if (words) return Array.from({ length: Number(words[1]) }, (_, i) => `w${i} «ü» `)
  const slow = /^slow:(\d+)$/.exec(message)
  if (slow) {
    return (async function* () {
      for (let i = 0; i < Number(slow[1]); i += 1) {
        await new Promise((r) => setTimeout(r, 40))
        yield `s${i} `
      }
    })()
  }
  if (message === 'leak:each') return [...leakReply()]
  return testAgent(message, context)
}

async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness({ ...options, gateway: { agent: leanAgent, chunkDelayMs: 1, ...options.gateway } })
  token = h.token
  await h.waitForLinkUp()
  return h
}

/** A tab of `userId` that names `caps` in connect. */
async function tab(userId: string, caps: readonly string[]): Promise<TestClient> {
  const client = await h!.connectAs({ id: userId }, false)
  expect((await client.connect({ caps: [...caps] })).ok).toBe(true)
  return client
}

const LEAN = [TOOL_EVENTS_CAP, LEAN_CAP]

/** Sends a message; resolves once every tab in `until` has the run's final. */
async function run(sender: TestClient, message: string, runId: string, until: TestClient[]): Promise<void> {
  const ack = await sender.request('chat.send', { message, idempotencyKey: runId }, 20_000)
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  for (const client of until) await client.waitForEvent('chat', (p) => p.runId === runId && p.state === 'final', 20_000)
}

/** A final of `userId`'s main session emitted by the gateway, in order after everything before it. */
function emit(userId: string, runKey: string, payload: Record<string, unknown>): void {
  h!.gateway!.emitEvent('chat', {
    runId: upstreamRunId('clawchat', userId, 'main', runKey),
    sessionKey: `agent:main:${gatewaySessionKey('clawchat', userId, 'main')}`,
    ...payload,
  })
}

describe('the lean wire', () => {
  it('gives a lean tab the same text as an OpenClaw tab of the same run, byte for byte, in fewer bytes', async () => {
    await start()
    const lean = await tab('alice', LEAN)
    const plain = await tab('alice', [TOOL_EVENTS_CAP])
    await run(plain, 'words:60', 'r1', [lean, plain])

    const openclaw = openclawView(plain, 'r1')
    expect(openclaw.joined).toBe(openclaw.final)
    const seen = leanView(lean).runs.get('r1')!
    expect(seen.text).toBe(openclaw.final)
    expect(seen.heads).toHaveLength(1)
    expect(seen.heads[0]).toMatchObject({ run: 1, runId: 'r1', sessionKey: 'main' })
    expect(seen.deltas.length).toBeGreaterThan(0)
    // The lean final leaves the text out and lets the tab check its own.
    expect(seen.final!.message.content).toBeUndefined()
    expect(seen.final!.message.role).toBe('assistant')
    expect(seen.checked).toBe(true)
    // No chat delta in OpenClaw's shape, no text twin; seq numbers events and compact deltas alike.
    expect(lean.events('chat').filter((f) => f.payload.state === 'delta')).toEqual([])
    expect(lean.events('agent').filter((f) => f.payload.stream === 'assistant')).toEqual([])
    expect(contiguous(leanView(lean).seqs)).toBe(true)
    // The OpenClaw tab's frames are OpenClaw's: key order type, event, payload, seq.
    for (const raw of plain.raw) {
      const frame = JSON.parse(raw)
      if (frame.type === 'event' && frame.seq !== undefined) {
        expect(raw).toBe(JSON.stringify({ type: 'event', event: frame.event, payload: frame.payload, seq: frame.seq }))
      }
    }
    expect(plain.events('agent').filter((f) => f.payload.stream === 'assistant').length).toBeGreaterThan(0)
    const bytes = (client: TestClient) => client.raw.reduce((sum, raw) => sum + Buffer.byteLength(raw), 0)
    expect(bytes(lean) * 4).toBeLessThan(bytes(plain))
  })

  it('carries replace: a cut stream retried gives the lean tab the final text', async () => {
    await start()
    h!.gateway!.setFailure({ kind: 'cut-stream', cutAfterChunks: 3, cuts: 2 })
    const lean = await tab('alice', LEAN)
    const plain = await tab('alice', [])
    await run(lean, 'words:8', 'cut', [lean, plain])
    const openclaw = openclawView(plain, 'cut')
    expect(plain.events('chat').some((f) => f.payload.runId === 'cut' && f.payload.replace === true)).toBe(true)
    const seen = leanView(lean).runs.get('cut')!
    const replaced = seen.deltas.filter((d) => d.replace).length + seen.heads.filter((p) => p.replace).length
    expect(replaced).toBeGreaterThan(0)
    expect(seen.text).toBe(openclaw.final)
    expect(seen.text).toBe(openclaw.joined)
    expect(seen.checked).toBe(true)
  })

  it('heads a reconnected tab with the text so far, and finishes it whole', async () => {
    await start()
    const first = await tab('alice', LEAN)
    const ack = await first.request('chat.send', { message: 'slow:40', idempotencyKey: 'slow' })
    expect(ack.ok).toBe(true)
    await first.waitFor((f) => Array.isArray(f) && f[2] === 's4 ', 10_000, 'a few compact deltas')
    await first.close()
    const again = await tab('alice', LEAN)
    const head = await again.waitForEvent(CLAWCHAT_RUN_EVENT, (p) => p.runId === 'slow')
    expect(head.payload.text.startsWith('s0 s1 s2 s3 s4 ')).toBe(true)
    const plain = await tab('alice', [])
    await again.waitForEvent('chat', (p) => p.runId === 'slow' && p.state === 'final', 20_000)
    await plain.waitForEvent('chat', (p) => p.runId === 'slow' && p.state === 'final', 20_000)
    const seen = leanView(again).runs.get('slow')!
    expect(seen.heads).toHaveLength(1)
    expect(seen.text).toBe(openclawView(plain, 'slow').final)
    expect(seen.text).toBe(Array.from({ length: 40 }, (_, i) => `s${i} `).join(''))
    expect(seen.checked).toBe(true)
  })

  it('sends a final whole when it is not one text part equal to the text the deltas carried', async () => {
    await start()
    const lean = await tab('alice', LEAN)
    const message = (content: unknown) => ({ role: 'assistant', content, timestamp: 1 })
    const delta = (text: string) => ({
      seq: 1,
      state: 'delta',
      deltaText: text,
      message: message([{ type: 'text', text }]),
    })
    const final = (content: unknown) => ({ seq: 2, state: 'final', stopReason: 'stop', message: message(content) })
    emit('alice', 'two-parts', delta('Hello '))
    emit(
      'alice',
      'two-parts',
      final([
        { type: 'text', text: 'Hello ' },
        { type: 'text', text: 'world' },
      ]),
    )
    emit('alice', 'other-text', delta('Hello '))
    emit('alice', 'other-text', final([{ type: 'text', text: 'Bye' }]))
    emit('alice', 'same', delta('Hello '))
    emit('alice', 'same', final([{ type: 'text', text: 'Hello ' }]))
    emit('alice', 'no-delta', final([{ type: 'text', text: 'Unseen' }]))
    await lean.waitForEvent('chat', (p) => p.runId === 'no-delta')
    const finals = new Map(lean.events('chat').map((f) => [f.payload.runId, f.payload]))
    expect(finals.get('two-parts').message.content).toHaveLength(2)
    expect(finals.get('two-parts').textCheck).toBeUndefined()
    expect(finals.get('other-text').message.content).toEqual([{ type: 'text', text: 'Bye' }])
    expect(finals.get('other-text').textCheck).toBeUndefined()
    expect(finals.get('same').message.content).toBeUndefined()
    expect(finals.get('same').textCheck).toEqual({ length: 6, fnv1a: expect.any(Number) })
    expect(leanView(lean).runs.get('same')!.checked).toBe(true)
    expect(textOf(finals.get('no-delta').message)).toBe('Unseen')
  })

  it('keeps the text twins from a lean tab unless it asks; every other agent stream flows', async () => {
    await start()
    const lean = await tab('alice', LEAN)
    const twins = await tab('alice', [...LEAN, ASSISTANT_EVENTS_CAP])
    const plain = await tab('alice', [TOOL_EVENTS_CAP])
    const exec = 'run [[TOOL:exec]] [[ARGS:{"command":"echo LEAN-TOOL","title":"t"}]]'
    await run(lean, exec, 'tools', [lean, twins, plain])
    const streams = (client: TestClient) =>
      new Set(
        client
          .events('agent')
          .filter((f) => f.payload.runId === 'tools')
          .map((f) => f.payload.stream),
      )
    expect(streams(lean).has('assistant')).toBe(false)
    expect(streams(twins).has('assistant')).toBe(true)
    expect(streams(plain).has('assistant')).toBe(true)
    for (const client of [lean, twins]) {
      for (const stream of ['tool', 'item', 'lifecycle', 'command_output'])
        expect(streams(client).has(stream)).toBe(true)
      expect(leanView(client).runs.get('tools')!.text).toBe(openclawView(plain, 'tools').final)
    }
    const tools = lean.events('agent').filter((f) => f.payload.runId === 'tools' && f.payload.stream === 'tool')
    expect(tools.map((f) => f.payload.data.phase)).toEqual(['start', 'update', 'result'])
  })

  it('never gives a lean tab a token split across deltas, and its text is the redacted text', async () => {
    await start()
    const lean = await tab('alice', LEAN)
    const plain = await tab('alice', [])
    await run(lean, 'leak:each', 'leak', [lean, plain])
    const expected = leakReply().split(token).join('[redacted]')
    const seen = leanView(lean).runs.get('leak')!
    expect(seen.text).toBe(expected)
    expect(seen.text).toBe(openclawView(plain, 'leak').final)
    expect(seen.checked).toBe(true)
    expect(lean.raw.join('\n')).not.toContain(token)
    const joined = seen.heads.map((p) => p.text).join('') + seen.deltas.map((d) => d.deltaText).join('')
    expect(joined).not.toContain(token)
  })
})
