/**
 * Issue 19 on one socket: the outbox's compact deltas (merged per turn, one `seq`; `replace` drops
 * the text waiting; any other frame sends the waiting delta first; seq stays contiguous), the
 * pre-serialised event (the same bytes as an event built from the payload), and the lean encoder
 * over a real router and live-run store: run heads, compact deltas, lean and whole finals, text
 * twins, and a payload serialised once for every OpenClaw-shaped connection of a fan-out.
 */
import { Duplex } from 'node:stream'
import { CorkCounter } from './helpers/cork-counter.js'
import { describe, expect, it } from 'vitest'
import {
  ASSISTANT_EVENTS_CAP,
  LEAN_CAP,
  matchesCheck,
  parseLeanDelta,
  type EventFrame,
  type LeanTextCheck,
} from '@clawchat/protocol'
import { createRedactor } from '../src/common/errors.js'
import { LeanEncoder } from '../src/connection/lean-encoder.js'
import { Outbox } from '../src/connection/outbox.js'
import { LiveRuns, MAX_LIVE_RUNS } from '../src/isolation/live-runs.js'
import type { RoutedEvent } from '../src/isolation/routed-event.js'
import { EventRouter, type RoutableConnection } from '../src/isolation/router.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'

const TOKEN = 'gw-token-0123456789abcdef'

/** A socket that records what it is sent. */
class FakeSocket {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  readonly raw: string[] = []
  send(data: Buffer) {
    this.raw.push(data.toString())
  }
}

function outbox(raw?: Duplex, redact = createRedactor([TOKEN])) {
  const socket = new FakeSocket()
  const box = new Outbox({ socket, raw, redact, highWaterMark: 1 << 20, onSlowConsumer: () => undefined })
  return { socket, box }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('Outbox, compact deltas', () => {
  it('merges consecutive deltas of one run in a turn into one frame with one seq', async () => {
    const raw = new CorkCounter()
    const { socket, box } = outbox(raw)
    box.event('clawchat.session', {}) // seq 1
    box.leanDelta(1, 'Hel', false)
    box.leanDelta(1, 'lo', false)
    box.leanDelta(1, ' «wörld»', false)
    expect(socket.raw).toHaveLength(1) // the delta waits for the end of the turn
    await nextTurn()
    expect(socket.raw.slice(1)).toEqual(['[2,1,"Hello «wörld»"]'])
    expect([raw.corks, raw.uncorks]).toEqual([1, 1])
    box.leanDelta(1, 'again', false)
    await nextTurn()
    expect(socket.raw.slice(2)).toEqual(['[3,1,"again"]'])
  })

  it('a replace drops the text waiting and makes the merged frame a replace', async () => {
    const { socket, box } = outbox()
    box.leanDelta(4, 'partial', false)
    box.leanDelta(4, '', true)
    box.leanDelta(4, 'Retried', false)
    await nextTurn()
    expect(socket.raw).toEqual(['[1,4,"Retried",1]'])
    expect(parseLeanDelta(socket.raw[0]!)).toEqual({
      ok: true,
      delta: { seq: 1, run: 4, deltaText: 'Retried', replace: true },
    })
  })

  it('sends the waiting delta before any other frame, and before the next run: order and seq kept', () => {
    const { socket, box } = outbox()
    box.leanDelta(1, 'a', false)
    box.leanDelta(2, 'b', false) // another run: the first one's delta goes
    box.event('agent', { stream: 'tool' })
    box.leanDelta(2, 'c', false)
    box.respond('7', { ok: true })
    box.leanDelta(1, 'd', false)
    box.send({ type: 'event', event: 'connect.challenge', payload: {} })
    box.flush() // a close: the turn's frames first
    expect(socket.raw).toEqual([
      '[1,1,"a"]',
      '[2,2,"b"]',
      '{"type":"event","event":"agent","payload":{"stream":"tool"},"seq":3}',
      '[4,2,"c"]',
      '{"type":"res","id":"7","ok":true,"payload":{"ok":true}}',
      '[5,1,"d"]',
      '{"type":"event","event":"connect.challenge","payload":{}}',
    ])
  })

  it('answers the seq an answer covers once the waiting delta is sent', () => {
    const { socket, box } = outbox()
    box.event('tick', {})
    box.leanDelta(1, 'x', false)
    expect(box.settledSeq()).toBe(2)
    expect(socket.raw.at(-1)).toBe('[2,1,"x"]')
  })

  it('a pre-serialised event is byte for byte the event built from its payload, redacted', () => {
    const payload = { runId: 'r', state: 'delta', deltaText: `a "quoted" ${TOKEN} ü\n`, message: { n: [1, null] } }
    const a = outbox()
    const b = outbox()
    const redact = createRedactor([TOKEN])
    a.box.event('chat', payload)
    b.box.eventJson('chat', redact(JSON.stringify(payload)))
    expect(b.socket.raw).toEqual(a.socket.raw)
    expect(a.socket.raw[0]).not.toContain(TOKEN)
  })
})

const NS = 'clawchat'
const KEY = `agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`
const run = (key: string) => upstreamRunId(NS, 'alice', 'main', key)
const chat = (payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: 'chat', payload })
const text = (t: string) => ({ role: 'assistant', content: [{ type: 'text', text: t }], timestamp: 1 })
const delta = (key: string, deltaText: string, whole: string, extra: Record<string, unknown> = {}) =>
  chat({ runId: run(key), sessionKey: KEY, state: 'delta', deltaText, message: text(whole), ...extra })

/** Connections of alice over real outboxes and encoders, behind a real router with a live-run store. */
function fanOut(capsOf: Array<readonly string[]>) {
  let redactions = 0
  const base = createRedactor([TOKEN])
  const redact = Object.assign((json: string) => ((redactions += 1), base(json)), { add: base.add })
  const conns = capsOf.map((caps, i) => {
    const { socket, box } = outbox(undefined, redact)
    const encoder = new LeanEncoder(box, redact, () => caps)
    const conn: RoutableConnection = {
      connId: `c${i}`,
      userId: 'alice',
      sessionId: undefined,
      caps,
      sendEvent: (event, payload) => box.event(event, payload),
      sendRouted: (routed: RoutedEvent) => encoder.deliver(routed),
    }
    return { conn, socket, box }
  })
  const live = new LiveRuns()
  const router = new EventRouter(NS, { forUser: () => conns.map((c) => c.conn) }, undefined, undefined, live)
  return { router, live, conns, redactions: () => redactions }
}

const parsed = (raw: string[]) => raw.map((r) => JSON.parse(r))

describe('LeanEncoder behind the router', () => {
  it('serialises a payload once for every OpenClaw-shaped connection, and heads then compacts for lean ones', async () => {
    const { router, conns, redactions } = fanOut([[], [], [], [LEAN_CAP]])
    router.route(delta('k', 'Hello', 'Hello'))
    expect(redactions()).toBe(2) // one payload JSON for three tabs; the lean tab's head
    const plain = conns[0]!.socket.raw
    expect(conns[1]!.socket.raw).toEqual(plain)
    expect(JSON.parse(plain[0]!)).toMatchObject({ event: 'chat', payload: { deltaText: 'Hello' }, seq: 1 })
    router.route(delta('k', ' wor', 'Hello wor'))
    router.route(delta('k', 'ld', 'Hello world'))
    await nextTurn()
    expect(parsed(conns[3]!.socket.raw)).toEqual([
      {
        type: 'event',
        event: 'clawchat.run',
        payload: { run: 1, runId: 'k', sessionKey: 'main', text: 'Hello' },
        seq: 1,
      },
      [2, 1, ' world'],
    ])
    expect(conns[0]!.socket.raw).toHaveLength(3)
  })

  it('ends a run with a lean final when it qualifies, else whole; numbers are forgotten at the end', async () => {
    const { router, conns, live } = fanOut([[LEAN_CAP], []])
    const lean = conns[0]!.socket
    router.route(delta('a', 'Hi', 'Hi'))
    router.route(chat({ runId: run('a'), sessionKey: KEY, state: 'final', message: text('Hi') }))
    router.route(delta('b', 'Yo', 'Yo'))
    const twoParts = {
      ...text('Yo'),
      content: [
        { type: 'text', text: 'Y' },
        { type: 'text', text: 'o' },
      ],
    }
    router.route(chat({ runId: run('b'), sessionKey: KEY, state: 'final', message: twoParts }))
    router.route(delta('c', 'Ab', 'Ab'))
    router.route(chat({ runId: run('c'), sessionKey: KEY, state: 'aborted', message: text('Ab') }))
    router.route(delta('a', 'Again', 'Again')) // the same run id once more: a new head
    await nextTurn()
    const frames = parsed(lean.raw)
    const finalA = frames[1].payload
    expect(finalA.message).toEqual({ role: 'assistant', timestamp: 1 })
    expect(matchesCheck('Hi', finalA.textCheck as LeanTextCheck)).toBe(true)
    expect(frames[3].payload.message).toEqual(twoParts)
    expect(frames[3].payload.textCheck).toBeUndefined()
    expect(frames[5].payload).toMatchObject({ state: 'aborted', message: text('Ab') })
    expect(frames[6].payload).toMatchObject({ run: 4, runId: 'a', text: 'Again' })
    expect(frames.map((f) => (Array.isArray(f) ? f[0] : f.seq))).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(live.ofUser('alice')).toEqual([{ runId: 'a', sessionKey: 'main', text: 'Again' }])
    // The OpenClaw tab got every final whole.
    expect(parsed(conns[1]!.socket.raw)[1].payload.message).toEqual(text('Hi'))
  })

  it('sends the text twins only to tabs that asked, and a replace head/delta as the store has it', async () => {
    const { router, conns } = fanOut([[LEAN_CAP], [LEAN_CAP, ASSISTANT_EVENTS_CAP]])
    const twin = {
      type: 'event' as const,
      event: 'agent',
      payload: { runId: run('t'), sessionKey: KEY, stream: 'assistant', data: { delta: 'x', text: 'x' } },
    }
    router.route(twin)
    router.route(delta('t', '', '', { replace: true }))
    router.route(delta('t', 'new', 'new'))
    router.route(delta('t', 'X', 'X', { replace: true }))
    await nextTurn()
    const [lean, twins] = conns.map((c) => parsed(c.socket.raw))
    expect(lean!.filter((f) => f.event === 'agent')).toEqual([])
    expect(twins!.filter((f) => f.event === 'agent')).toHaveLength(1)
    expect(lean![0].payload).toEqual({ run: 1, runId: 't', sessionKey: 'main', text: '', replace: true })
    expect(lean![1]).toEqual([2, 1, 'X', 1])
  })
})

describe('LiveRuns', () => {
  it('keeps at most MAX_LIVE_RUNS runs, the oldest forgotten first, and takes a run met mid-stream from its message', () => {
    const live = new LiveRuns()
    const owner = (i: number) => ({ userId: `u${i % 7}`, runId: `r${i}`, sessionKey: 'main' })
    for (let i = 0; i <= MAX_LIVE_RUNS; i += 1) live.delta(`k${i}`, owner(i), { deltaText: 'x', message: text('x') })
    expect(live.size).toBe(MAX_LIVE_RUNS)
    expect(live.end('k0')).toBeUndefined()
    const step = live.delta('late', owner(1), { deltaText: 'c', message: text('abc') })
    expect(step).toMatchObject({ deltaText: 'abc', replace: false, fresh: true })
    // A delta skipped upstream: the message is the truth.
    expect(live.delta('late', owner(1), { deltaText: 'e', message: text('abcde') })).toMatchObject({ deltaText: 'de' })
    expect(live.end('late')?.text).toBe('abcde')
  })
})
