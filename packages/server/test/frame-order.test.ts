/**
 * Issue 10: with `coordination`, a user's message budget may answer asynchronously (Redis) for one
 * frame and at once for the next (Redis just went away). A socket's frames are still decided in
 * arrival order: `connect` before the request behind it, a `cancel` after its request. Tested on a
 * ClientConnection with a fake socket and a budget that answers the first frame late.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ClientConnection, type ConnectionDeps } from '../src/connection/client-connection.js'
import { createRedactor } from '../src/shared/errors.js'
import { DEFAULT_LIMITS, RateMeter, type UserBudget } from '../src/limits/limits.js'
import { DEFAULT_METHOD_POLICY } from '../src/isolation/policy.js'

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

/** A budget whose first answer comes after `ms`, and every later one at once. */
function lateFirst(ms: number): UserBudget {
  let calls = 0
  return { take: () => (++calls === 1 ? new Promise<number>((r) => setTimeout(() => r(0), ms)) : 0) }
}

describe('frames decided in arrival order', () => {
  it('connect waits for its budget, and the request behind it waits for connect', async () => {
    const { ws, conn } = connection(lateFirst(30), async () => ({ sessions: [] }))
    ws.receive({ type: 'req', id: 'c1', method: 'connect', params: connectParams })
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    await new Promise((r) => setTimeout(r, 100))
    const answers = ws.sent.filter((f) => f.type === 'res')
    expect(answers.map((f) => [f.id, f.ok])).toEqual([
      ['c1', true],
      ['r1', true],
    ])
    expect(answers[0]!.payload.type).toBe('hello-ok')
    conn.close(1000, 'done')
  })

  it('a cancel does not overtake the request it cancels', async () => {
    const slow = () =>
      new Promise<unknown>((resolve) => {
        setTimeout(() => resolve({ sessions: [] }), 200)
      })
    const { ws, conn } = connection(lateFirst(30), (method) => {
      if (method === 'sessions.list') return slow()
      return Promise.resolve({})
    })
    // The cancel, decided first, would find nothing to cancel and the request would be answered.
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    ws.receive({ type: 'cancel', id: 'r1' })
    await new Promise((r) => setTimeout(r, 400))
    // Cancelled: its answer is dropped.
    expect(ws.sent.filter((f) => f.type === 'res' && f.id === 'r1')).toEqual([])
    conn.close(1000, 'done')
  })

  it('frames that arrive after the socket closed while waiting are dropped', async () => {
    const asked: string[] = []
    const { ws, conn } = connection(lateFirst(30), async (method) => {
      asked.push(method)
      return { sessions: [] }
    })
    ws.receive({ type: 'req', id: 'r1', method: 'sessions.list', params: {} })
    conn.close(1000, 'bye')
    await new Promise((r) => setTimeout(r, 100))
    expect(asked).toEqual([])
    expect(ws.sent.filter((f) => f.type === 'res')).toEqual([])
  })
})
