/**
 * Issue 10: with `coordination`, a user's message budget may answer asynchronously (Redis) for one
 * frame and at once for the next (Redis just went away). A socket's frames are still decided in
 * arrival order: `connect` before the request behind it, a `cancel` after its request. Tested on a
 * ClientConnection with a fake socket and a budget that answers the first frame when the test says so.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ClientConnection, type ConnectionDeps } from '../src/connection/client-connection.js'
import { createRedactor } from '../src/common/errors.js'
import { DEFAULT_LIMITS, RateMeter, type UserBudget } from '../src/limits/limits.js'
import { DEFAULT_METHOD_POLICY } from '../src/isolation/policy.js'
import { waitFor } from './helpers/harness.js'

/** The part of a `ws` socket a connection uses; records what it sends. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  readonly sent: Array<Record<string, any>> = []
  send(data: Buffer) {
    this.sent.push(JSON.parse(data.toString()) as Record<string, any>)
  }
  close() {
    this.readyState = 3
    this.emit('close', 1000, Buffer.from(''))
  }
  terminate() {
    this.close()
  }
  receive(frame: object) {
    this.emit('message', Buffer.from(JSON.stringify(frame)), false)
  }
}

const connectParams = {
  minProtocol: 4,
  maxProtocol: 4,
  client: { id: 'webchat-ui', version: '0.1.0', platform: 'web', mode: 'webchat' },
}

function connection(budget: UserBudget, request: (method: string) => Promise<unknown>) {
  const ws = new FakeSocket()
  const deps: ConnectionDeps = {
    link: {
      isUp: true,
      browserState: 'up',
      downReason: '',
      gatewayVersion: '2026.9.1',
      request: (method) => request(method),
    },
    methods: DEFAULT_METHOD_POLICY,
    namespace: 'clawchat',
    limits: { ...DEFAULT_LIMITS, handshakeTimeoutMs: 0, pingIntervalMs: 0 },
    userMeter: budget,
    connectionMeter: new RateMeter(100),
    startedAt: Date.now(),
    audit: { bodies: false, record: () => undefined },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    redact: createRedactor([]),
    onClosed: () => {},
  }
  const conn = new ClientConnection(
    ws as never,
    { id: 'alice', role: 'user' },
    { sessionId: undefined, sessionStore: undefined, origin: undefined, ip: undefined },
    deps,
  )
  return { ws, conn }
}

/** A promise and the function that resolves it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Lets every pending promise callback and `process.nextTick` run (one turn of the event loop). */
const oneTurn = () => new Promise<void>((r) => setImmediate(r))

/** A budget whose first answer comes when the test calls `answer()`, and every later one at once. */
function lateFirst(): UserBudget & { answer: () => Promise<void> } {
  let calls = 0
  const first = deferred<number>()
  return {
    take: () => (++calls === 1 ? first.promise : 0),
    answer: async () => {
      first.resolve(0)
      await oneTurn()
    },
  }
}

describe('frames decided in arrival order', () => {
  it('connect waits for its budget, and the request behind it waits for connect', async () => {
    const budget = lateFirst()
    const { ws, conn } = connection(budget, async () => ({ sessions: [] }))
    ws.receive({ type: 'req', id: 'c1', method: 'connect', params: connectParams })
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    await oneTurn()
    expect(ws.sent.filter((f) => f.type === 'res')).toEqual([])
    await budget.answer()
    await waitFor(() => ws.sent.filter((f) => f.type === 'res').length >= 2, 5000, 'two answers')
    const answers = ws.sent.filter((f) => f.type === 'res')
    expect(answers.map((f) => [f.id, f.ok])).toEqual([
      ['c1', true],
      ['r1', true],
    ])
    expect(answers[0]!.payload.type).toBe('hello-ok')
    conn.close(1000, 'done')
  })

  it('a cancel does not overtake the request it cancels', async () => {
    const budget = lateFirst()
    const slow = deferred<unknown>()
    const asked: string[] = []
    const { ws, conn } = connection(budget, (method) => {
      asked.push(method)
      // The first sessions.list answers when the test says so; everything else at once.
      if (method === 'sessions.list' && asked.length === 1) return slow.promise
      return Promise.resolve({ sessions: [] })
    })
    // The cancel, decided first, would find nothing to cancel and the request would be answered.
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    ws.receive({ type: 'cancel', id: 'r1' })
    await budget.answer()
    await waitFor(() => asked.length === 1, 5000, 'the request to go upstream')
    slow.resolve({ sessions: [] })
    await oneTurn()
    // A request sent after it is answered; nothing for r1 came before (or with) that answer.
    ws.receive({ type: 'req', id: 'r2', method: 'sessions.list', params: {} })
    await waitFor(() => ws.sent.some((f) => f.type === 'res' && f.id === 'r2'), 5000, 'the answer to r2')
    // Cancelled: its answer is dropped.
    expect(ws.sent.filter((f) => f.type === 'res' && f.id === 'r1')).toEqual([])
    conn.close(1000, 'done')
  })

  it('frames that arrive after the socket closed while waiting are dropped', async () => {
    const budget = lateFirst()
    const asked: string[] = []
    const { ws, conn } = connection(budget, async (method) => {
      asked.push(method)
      return { sessions: [] }
    })
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    conn.close(1000, 'bye')
    // The budget answers after the close; the connection must not go on with the frame.
    await budget.answer()
    await oneTurn()
    expect(asked).toEqual([])
    expect(ws.sent.filter((f) => f.type === 'res')).toEqual([])
  })
})
