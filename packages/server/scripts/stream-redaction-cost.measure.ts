/**
 * What the per-run stream redaction (issue 16.5) costs per event, measured on this machine:
 *
 *   npx vitest run --config packages/server/scripts/vitest.config.ts stream-redaction-cost
 *
 * The router's `route()` for the events of streaming runs — each chunk a `chat` delta and its
 * `agent` `assistant` twin, as the gateway sends them — to one browser connection that does what
 * `ClientConnection.sendFrame` does with an event (JSON, then the frame's own redaction), without
 * and with the StreamRedactor. Three texts: an ordinary reply (the fast path), a reply whose chunks
 * keep ending in the token's first characters (held back every time: the slow path), and a reply
 * that prints the token split across chunks. It prints CPU µs per event (best of 15 interleaved rounds); no speed assertions.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createRedactor } from '../src/common/errors.js'
import { ConnectionRegistry } from '../src/connection/registry.js'
import { EventRouter, type RoutableConnection } from '../src/isolation/router.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'
import { StreamRedactor } from '../src/isolation/stream-redactor.js'

const NAMESPACE = 'clawchat'
const TOKEN = `tok-${randomUUID()}`
const RUNS = 300
const CHUNKS = 100
const ROUNDS = 15

/** A browser connection that serialises and redacts each event, as `sendFrame` does. */
class WireConnection implements RoutableConnection {
  readonly connId = randomUUID()
  readonly sessionId = undefined
  readonly caps: readonly string[] = []
  bytes = 0
  private seq = 0
  private readonly redact = createRedactor([TOKEN])
  constructor(readonly userId: string) {}
  sendEvent(event: string, payload: unknown): void {
    this.seq += 1
    this.bytes += this.redact(JSON.stringify({ type: 'event', event, payload, seq: this.seq })).length
  }
}

/** The gateway events of `RUNS` runs, each reply cut into `CHUNKS` chunks by `chunk(i)`. */
function gatewayEvents(
  chunk: (run: number, i: number) => string,
): Array<{ event: string; payload: Record<string, unknown> }> {
  const sessionKey = `agent:main:${gatewaySessionKey(NAMESPACE, 'alice', 'main')}`
  const out: Array<{ event: string; payload: Record<string, unknown> }> = []
  for (let run = 0; run < RUNS; run += 1) {
    const runId = upstreamRunId(NAMESPACE, 'alice', 'main', `run-${run}`)
    let text = ''
    for (let i = 0; i < CHUNKS; i += 1) {
      const delta = chunk(run, i)
      text += delta
      const seq = i + 1
      out.push({
        event: 'agent',
        payload: {
          runId,
          stream: 'assistant',
          data: { text, delta, itemId: `${runId}:1` },
          sessionKey,
          agentId: 'main',
          seq,
          ts: 1,
        },
      })
      out.push({
        event: 'chat',
        payload: {
          runId,
          sessionKey,
          agentId: 'main',
          seq,
          state: 'delta',
          deltaText: delta,
          message: { role: 'assistant', content: [{ type: 'text', text }], timestamp: 1 },
        },
      })
    }
    out.push({
      event: 'agent',
      payload: { runId, sessionKey, stream: 'lifecycle', data: { phase: 'end' }, seq: CHUNKS + 1, ts: 2 },
    })
    out.push({
      event: 'chat',
      payload: {
        runId,
        sessionKey,
        agentId: 'main',
        seq: CHUNKS + 1,
        state: 'final',
        stopReason: 'stop',
        message: { role: 'assistant', content: [{ type: 'text', text }], timestamp: 2 },
      },
    })
  }
  return out
}

const WORDS = ['hello ', 'world ', 'stream ', 'of ', 'words ', 'that ', 'goes ', 'on. ']
const TEXTS: Record<string, (run: number, i: number) => string> = {
  'ordinary reply (8-char chunks)': (run, i) => WORDS[(run + i) % WORDS.length]!.padEnd(8, '.'),
  'chunks ending in a token prefix': (_run, i) => `word ${TOKEN.slice(0, 1 + (i % 6))}`,
  'the token split across chunks': (_run, i) =>
    i % 10 === 3 ? TOKEN.slice(0, 17) : i % 10 === 4 ? `${TOKEN.slice(17)} ` : 'filler. ',
}

/** µs per event of routing `events` once, and the bytes the browser was sent. */
function once(events: ReturnType<typeof gatewayEvents>, withStreams: boolean): { us: number; bytes: number } {
  const registry = new ConnectionRegistry<RoutableConnection>()
  const conn = new WireConnection('alice')
  registry.add(conn)
  const router = new EventRouter(NAMESPACE, registry, withStreams ? new StreamRedactor([TOKEN]) : undefined)
  // CPU time, not wall time: on a shared machine the process is often waiting for a core.
  const started = process.cpuUsage()
  for (const { event, payload } of events) router.route({ type: 'event', event, payload } as never)
  const spent = process.cpuUsage(started)
  return { us: (spent.user + spent.system) / events.length, bytes: conn.bytes }
}

/** Without and with, interleaved round by round (the machine is shared: its load moves), best of `ROUNDS` each. */
function measure(events: ReturnType<typeof gatewayEvents>): { before: number; after: number; bytes: number } {
  let before = Infinity
  let after = Infinity
  let bytes = 0
  for (let round = 0; round < ROUNDS; round += 1) {
    before = Math.min(before, once(events, false).us)
    const withStreams = once(events, true)
    after = Math.min(after, withStreams.us)
    bytes = withStreams.bytes
  }
  return { before, after, bytes }
}

describe('stream redaction cost', () => {
  it('per event, without and with the StreamRedactor', () => {
    const lines: string[] = []
    for (const [name, chunk] of Object.entries(TEXTS)) {
      const events = gatewayEvents(chunk)
      once(events, true) // warm up both paths
      once(events, false)
      const { before, after, bytes } = measure(events)
      expect(bytes).toBeGreaterThan(0)
      lines.push(
        `${name.padEnd(34)} ${before.toFixed(2).padStart(6)} µs → ${after.toFixed(2).padStart(6)} µs per event (${(after - before).toFixed(2)} µs, ${events.length} events)`,
      )
    }
    console.log(`route() + JSON + frame redaction, one browser, CPU time, best of ${ROUNDS}:\n${lines.join('\n')}`)
  })
})
