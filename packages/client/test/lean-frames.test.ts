/**
 * The lean wire as the SDK reads it from a socket (scripted frames): compact deltas, run heads and
 * lean finals become the same `chat` events and `stream()` parts as OpenClaw's own frames.
 */
import { describe, expect, it, vi } from 'vitest'
import { textCheck } from '@clawchat/protocol'
import type { StreamPart } from '../src/index.js'
import { createFakeServer, type FakeServer, type FakeSocket } from './helpers/fake-socket.js'
import { newChat, nextTurn, collect } from './helpers/chat.js'

const msg = (text: string) => ({ role: 'assistant', content: [{ type: 'text', text }] })

/** One step of a scripted run: what the socket sends for run `runId`. */
type Step = (socket: FakeSocket, runId: string) => void

/** Answers chat.send, then plays `steps`, one per later turn. */
function playRun(server: FakeServer, steps: Step[]): string[] {
  const runs: string[] = []
  server.handlers['chat.send'] = (p, _f, socket) => {
    runs.push(p.idempotencyKey)
    void (async () => {
      for (const step of steps) {
        await nextTurn()
        step(socket, p.idempotencyKey)
      }
    })()
    return { payload: { runId: p.idempotencyKey, status: 'started' } }
  }
  return runs
}

const chat =
  (payload: Record<string, unknown>): Step =>
  (s, runId) =>
    s.chat({ runId, ...payload })
const head =
  (text: string, replace?: true): Step =>
  (s, runId) =>
    s.head(1, runId, text, replace ? { replace } : {})
const lean =
  (deltaText: string, replace = false): Step =>
  (s) =>
    s.lean(1, deltaText, replace)
const leanFinal =
  (text: string): Step =>
  (s, runId) =>
    s.chat({ runId, state: 'final', stopReason: 'stop', message: { role: 'assistant' }, textCheck: textCheck(text) })

/** The same reply, as OpenClaw sends it and as a lean connection gets it. */
const OPENCLAW: Step[] = [
  chat({ state: 'status', phase: 'starting_model' }),
  chat({ state: 'delta', deltaText: 'Par', message: msg('Par') }),
  chat({ state: 'delta', deltaText: 'tial', message: msg('Partial') }),
  chat({ state: 'delta', deltaText: '', replace: true }),
  chat({ state: 'delta', deltaText: 'Whole', message: msg('Whole') }),
  chat({ state: 'delta', deltaText: ' answer', message: msg('Whole answer') }),
  chat({ state: 'final', stopReason: 'stop', message: msg('Whole answer') }),
]
const LEAN: Step[] = [
  chat({ state: 'status', phase: 'starting_model' }),
  head('Par'),
  lean('tial'),
  lean('', true),
  lean('Whole'),
  lean(' answer'),
  leanFinal('Whole answer'),
]

describe('the lean wire through a socket', () => {
  it('stream() yields the same parts from lean frames as from OpenClaw frames', async () => {
    const results: StreamPart[][] = []
    for (const steps of [OPENCLAW, LEAN]) {
      const server = createFakeServer()
      playRun(server, steps)
      const { chat } = newChat(server)
      results.push((await collect(chat.stream('hi'))).map((p) => ({ ...p, runId: '' })))
    }
    expect(results[1]).toEqual(results[0])
    expect(results[1]!.at(-1)).toMatchObject({ state: 'final', text: 'Whole answer', stopReason: 'stop' })
  })

  it('gives chat listeners OpenClaw deltas, never the clawchat.run head; a malformed array is reported', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    const events: any[] = []
    const errors: string[] = []
    chat.on('chat', (e) => events.push(e))
    chat.on('clawchat.run', (e) => events.push(['head', e]))
    chat.on('error', (e) => errors.push(e.message))
    server.last.head(1, 'r1', 'Hi')
    server.last.receive('[5,"one"]')
    server.last.lean(1, ' there')
    expect(events).toEqual([
      { runId: 'r1', sessionKey: 'main', state: 'delta', deltaText: 'Hi', message: msg('Hi') },
      { runId: 'r1', sessionKey: 'main', state: 'delta', deltaText: ' there', message: msg('Hi there') },
    ])
    expect(errors).toEqual([
      'ClawChat: ignored a frame from the server, invalid lean delta: expected [seq, run, deltaText] or ' +
        '[seq, run, deltaText, 1] (see @clawchat/protocol lean.ts): [5,"one"]',
    ])
  })

  it('after a skipped seq: resync, clawchat.runs, and the stream goes on with the right text', async () => {
    const server = createFakeServer()
    server.handlers['chat.history'] = (p) => ({
      payload: { sessionKey: p.sessionKey, messages: [{ role: 'user', content: 'hi', runId: runs[0] }] },
    })
    server.handlers['clawchat.runs'] = (_p, _f, socket) => ({
      payload: { seq: socket.seq, runs: [{ runId: runs[0], sessionKey: 'main', text: 'Hello world!' }] },
    })
    const runs = playRun(server, [
      head('Hello'),
      (s) => s.seq++, // ' world' is lost
      lean('!'),
      lean(' Bye'),
      leanFinal('Hello world! Bye'),
    ])
    const { chat } = newChat(server)
    const resyncs: unknown[] = []
    chat.on('resync', (r) => resyncs.push(r))
    const parts = await collect(chat.stream('hi'))
    expect(resyncs).toEqual([{ reason: 'gap' }])
    expect(server.requests('clawchat.runs')).toHaveLength(1)
    expect(parts.map((p) => p.text)).toEqual(['Hello', 'Hello world!', 'Hello world! Bye', 'Hello world! Bye'])
    expect(parts.every((p) => !p.replace)).toBe(true)
  })

  it('a send() whose lean final came is not looked up again after a reconnect', async () => {
    const server = createFakeServer()
    playRun(server, [head('Done'), leanFinal('Done')])
    const { chat } = newChat(server)
    const finals: any[] = []
    chat.on('chat', (e) => e.state === 'final' && finals.push(e))
    await chat.send('hi')
    await vi.waitFor(() => expect(finals).toHaveLength(1))
    expect(finals[0].message).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Done' }] })
    server.last.serverClose(1012)
    await vi.waitFor(() => expect(chat.state).toBe('open'))
    await chat.request('sessions.list', {})
    expect(server.requests('chat.history')).toHaveLength(0)
  })
})
