/**
 * Issue 5, behaviour 5: hostile input never crashes the process or hurts another user. Each kind of
 * garbage gets a clear error or a close code from the table, nothing gets polluted, and after tens
 * of thousands of malformed and random frames from several connections a well-behaved user is still
 * served (a full chat.send → final).
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { CLOSE_CODE_TABLE } from '@clawchat/protocol'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const prototypeNames = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  fn: Object.getOwnPropertyNames(Function.prototype).sort(),
})

function expectUnpolluted(before: ReturnType<typeof prototypeNames>): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
  expect((Object.create(null) as Record<string, unknown>).polluted).toBeUndefined()
  expect(prototypeNames()).toEqual(before)
}

async function fullChat(client: TestClient, key: string): Promise<void> {
  const ack = await client.request('chat.send', { message: `well-behaved ${key}`, idempotencyKey: key })
  expect(ack.ok, JSON.stringify(ack)).toBe(true)
  const final = await client.waitForEvent('chat', (p) => p.runId === key && p.state === 'final', 15_000)
  expect(final.payload.message.content[0].text).toBe(`ECHO<<well-behaved ${key}>>`)
}

/** Answers the error of the frame sent with `id` (`invalid` when the frame has none to echo). */
async function errorFor(client: TestClient, frame: string | object, id: string): Promise<Record<string, any>> {
  const before = client.frames.filter((f) => f.type === 'res' && f.id === id).length
  client.send(frame)
  const res = await waitFor(
    () => client.frames.filter((f) => f.type === 'res' && f.id === id)[before],
    5000,
    `the answer under id ${id}`,
  )
  expect(res.ok).toBe(false)
  return res.error as Record<string, any>
}

describe('hostile frames, one by one', () => {
  it('each gets a clear error, the socket stays open, and nothing is polluted', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const before = prototypeNames()
    const mallory = await h.connectAs({ id: 'mallory' })
    const alice = await h.connectAs({ id: 'alice' })
    const invalid = async (frame: string | object, id: string, message: RegExp) => {
      const error = await errorFor(mallory, frame, id)
      expect(error.code).toBe('INVALID_REQUEST')
      expect(error.message).toMatch(message)
    }
    const forbidden = async (method: string) => {
      const error = await errorFor(mallory, { type: 'req', id: `m-${method}`, method, params: {} }, `m-${method}`)
      expect(error.code, method).toBe('FORBIDDEN')
    }

    await invalid('{"type":"req",', 'invalid', /not JSON/)
    await invalid('[]', 'invalid', /expected a JSON object/)
    await invalid({ type: 'req', id: 'w1', method: 'chat.send', params: 'hello' }, 'w1', /params must be an object/)
    await invalid(
      { type: 'req', id: 'w2', method: 'chat.send', params: { message: 42 } },
      'w2',
      /message must be a string/,
    )
    await invalid(
      { type: 'req', id: 'w3', method: 'chat.history', params: { limit: 'all' } },
      'w3',
      /limit must be an integer/,
    )
    await invalid(
      { type: 'req', id: 'w4', method: 'chat.history', params: { sessionKey: { $ne: null } } },
      'w4',
      /sessionKey must be a string/,
    )
    await invalid(
      { type: 'req', id: 'x'.repeat(100_000), method: 'chat.send' },
      'invalid',
      /id must be a string of 1 to 256/,
    )
    await invalid({ type: 'req', id: 'w5', method: 'm'.repeat(100_000) }, 'w5', /method must be at most 128/)
    await invalid(
      `{"type":"req","id":"w6","method":"chat.send","params":{"message":"x","attachments":[${'['.repeat(20_000)}${']'.repeat(20_000)}]}}`,
      'w6',
      /attachments\[0\] must be an object/,
    )
    await invalid(`{"type":${'['.repeat(50_000)}${']'.repeat(50_000)},"id":"w7"}`, 'w7', /unknown type an array/)
    // Prototype pollution attempts: at the top, in params, deep in attachments, in connect.
    await invalid(
      '{"__proto__":{"polluted":true},"type":"req","id":"p1","method":"chat.send","params":{"message":"x"}}',
      'p1',
      /unexpected property '__proto__'/,
    )
    await invalid(
      '{"constructor":{"prototype":{"polluted":true}},"id":"p2","method":"chat.send"}',
      'p2',
      /unexpected property 'constructor'/,
    )
    await invalid(
      '{"id":"p3","method":"chat.send","params":{"message":"x","__proto__":{"polluted":true}}}',
      'p3',
      /unexpected property '__proto__'/,
    )
    await invalid(
      '{"id":"p4","method":"chat.send","params":{"message":"x","constructor":{"prototype":{"polluted":true}}}}',
      'p4',
      /unexpected property 'constructor'/,
    )
    await invalid(
      '{"id":"p5","method":"chat.send","params":{"message":"x","attachments":[{"__proto__":{"polluted":true}}]}}',
      'p5',
      /attachments\[0\]: unexpected property '__proto__'/,
    )
    await invalid(
      '{"id":"p6","method":"chat.send","params":{"message":"x","attachments":[{"prototype":{"polluted":true}}]}}',
      'p6',
      /unexpected property 'prototype'/,
    )
    await invalid(
      '{"id":"p7","method":"sessions.list","params":{"__proto__":{"polluted":true}}}',
      'p7',
      /unexpected property '__proto__'/,
    )
    await invalid(
      '{"id":"p8","method":"chat.history","params":{"constructor":{"polluted":true}}}',
      'p8',
      /unexpected property 'constructor'/,
    )
    // Unknown methods, including the names of Object.prototype's own members.
    for (const method of [
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
      'config.set',
      'exec.approvals.set',
      'CHAT.SEND',
      'chat.send\u0000',
    ])
      await forbidden(method)
    // A cancel for a request that does not exist, with a hostile id: silently nothing.
    mallory.send({ type: 'cancel', id: '__proto__' })
    mallory.send({ type: 'cancel', id: 'constructor' })
    const still = await mallory.request('chat.history', {})
    expect(still.ok).toBe(true)
    expect(mallory.closed).toBeNull()
    expectUnpolluted(before)

    // A hostile connect is refused and closed with 1008 (the table's protocol violation).
    const intruder = await h.connectAs({ id: 'intruder' }, false)
    intruder.send(
      '{"type":"req","id":"c1","method":"connect","params":{"__proto__":{"polluted":true},"minProtocol":4,"maxProtocol":4,"client":{"id":"webchat-ui","version":"1","platform":"web","mode":"webchat"}}}',
    )
    expect((await intruder.closedPromise).code).toBe(1008)
    expect(intruder.frames.find((f) => f.id === 'c1')?.error.code).toBe('INVALID_REQUEST')

    await fullChat(alice, 'after-hostile')
    expectUnpolluted(before)
  })

  it('binary frames close with 1008, oversized ones with 1009, and frames after the close get nothing', async () => {
    h = await startHarness({ proxy: { limits: { maxPayload: 4096 } } })
    await h.waitForLinkUp()
    const binary = await h.connectAs({ id: 'mallory' })
    const seen = binary.frames.length
    // One binary frame, then more in the same breath: all arrive after the proxy closed.
    binary.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]))
    for (let i = 0; i < 20; i += 1) binary.send({ type: 'req', id: `late${i}`, method: 'chat.history' })
    expect((await binary.closedPromise).code).toBe(1008)
    expect(binary.frames.slice(seen)).toEqual([])

    const big = await h.connectAs({ id: 'mallory' })
    big.send({ type: 'req', id: 'big', method: 'chat.send', params: { message: 'x'.repeat(5000) } })
    expect((await big.closedPromise).code).toBe(1009)

    const alice = await h.connectAs({ id: 'alice' })
    await fullChat(alice, 'after-close-codes')
  })
})

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const METHODS = [
  'chat.send',
  'chat.history',
  'chat.abort',
  'sessions.list',
  'sessions.reset',
  'models.list',
  'connect',
  '__proto__',
  'constructor',
  'toString',
  'config.get',
  'health',
  'status',
  '',
  'x'.repeat(200),
]
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'message',
  'sessionKey',
  'idempotencyKey',
  'attachments',
  'limit',
  'runId',
  'key',
  'id',
  'type',
  'method',
  'params',
  'polluted',
  'toString',
]

function fuzzer(random: () => number) {
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T
  const text = (max: number) => {
    let s = ''
    const n = int(max)
    for (let i = 0; i < n; i += 1) s += String.fromCharCode(random() < 0.9 ? 32 + int(95) : int(0xd800))
    return s
  }
  const value = (depth: number): unknown => {
    const r = random()
    if (depth > 3 || r < 0.3)
      return pick([
        null,
        true,
        false,
        0,
        -1,
        1e308,
        2 ** 53 + 1,
        3.14,
        '',
        text(20),
        '__proto__',
        'main',
        'agent:main:main',
      ])
    if (r < 0.55) return Array.from({ length: int(4) }, () => value(depth + 1))
    const o: Record<string, unknown> = {}
    for (let i = int(4); i > 0; i -= 1) o[pick(KEYS)] = value(depth + 1)
    return o
  }
  /** JSON text with the given own keys (`__proto__` as a real key, as JSON.parse makes it). */
  const objectText = (entries: Array<[string, unknown]>) =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`
  /** A frame after which the proxy closes the connection: binary (1008), too big (1009), a bad connect (1008). */
  const closing = (): { kind: 'text' | 'binary'; data: string | Buffer } => {
    const r = random()
    if (r < 0.33) return { kind: 'binary', data: Buffer.from(text(30)) }
    if (r < 0.66) return { kind: 'text', data: `{"method":"chat.send","params":{"message":"${'y'.repeat(70_000)}"}}` }
    return {
      kind: 'text',
      data: objectText([
        ['type', 'req'],
        ['id', `c${int(1e6)}`],
        ['method', 'connect'],
        ['params', value(0)],
      ]),
    }
  }
  const frame = (): { kind: 'text' | 'binary'; data: string | Buffer } => {
    const r = random()
    if (r < 0.1) return { kind: 'text', data: text(300) }
    if (r < 0.2) return { kind: 'text', data: JSON.stringify(value(0)) ?? 'null' }
    if (r < 0.25) {
      const valid = JSON.stringify({ type: 'req', id: randomUUID(), method: pick(METHODS), params: value(1) })
      return { kind: 'text', data: valid.slice(0, int(valid.length)) }
    }
    if (r < 0.3)
      return {
        kind: 'text',
        data: JSON.stringify({ type: 'req', id: 'i'.repeat(257 + int(5000)), method: 'chat.send' }),
      }
    if (r < 0.33)
      return {
        kind: 'text',
        data: `{"type":"req","id":"d${int(1e6)}","method":"chat.history","params":{"limit":${'['.repeat(3000)}${']'.repeat(3000)}}}`,
      }
    if (r < 0.45) {
      const entries: Array<[string, unknown]> = [
        ['__proto__', { polluted: true }],
        ['constructor', { prototype: { polluted: true } }],
        ['prototype', { polluted: true }],
      ]
      const params = objectText([
        [pick(KEYS), value(1)],
        ...entries.filter(() => random() < 0.6),
        ['message', 'x'],
        ['attachments', [JSON.parse(objectText(entries))]],
      ])
      const top = random() < 0.5 ? `${JSON.stringify(pick(entries)[0])}:{"polluted":true},` : ''
      return {
        kind: 'text',
        data: `{${top}"type":"req","id":"p${int(1e6)}","method":${JSON.stringify(pick(METHODS))},"params":${params}}`,
      }
    }
    if (r < 0.5)
      return { kind: 'text', data: JSON.stringify({ type: 'cancel', id: random() < 0.5 ? '__proto__' : text(10) }) }
    if (r < 0.6)
      return {
        kind: 'text',
        data: JSON.stringify({
          type: pick(['req', 'res', 'event', 'cancel', 7, null, [], {}]),
          id: value(2),
          method: value(2),
          params: value(1),
        }),
      }
    if (r < 0.99)
      return {
        kind: 'text',
        data: JSON.stringify({ type: 'req', id: `f${int(1e9)}`, method: pick(METHODS), params: value(0) }),
      }
    // Rarely, a well-formed request that reaches the gateway.
    return {
      kind: 'text',
      data: JSON.stringify({
        type: 'req',
        id: `ok${int(1e9)}`,
        method: pick(['chat.history', 'sessions.list']),
        params: {},
      }),
    }
  }
  return { frame, closing, random }
}

/** Close codes a fuzzing connection may get: the table's, plus 1006 when the proxy had to drop it. */
const ALLOWED_CLOSES = new Set(CLOSE_CODE_TABLE.map((row) => row.code))

describe('a fuzz run', () => {
  it('tens of thousands of malformed and random frames from several connections hurt nobody', async () => {
    h = await startHarness({
      proxy: { limits: { messagesPerSecond: 1_000_000, userMessagesPerSecond: 1_000_000, maxPayload: 64 * 1024 } },
    })
    await h.waitForLinkUp()
    const before = prototypeNames()
    const good = await h.connectAs({ id: 'good-user' })
    const seed = Number(process.env.CLAWCHAT_FUZZ_SEED ?? Date.now() % 2 ** 31)
    const FUZZERS = 4
    const FRAMES_EACH = 10_000
    const BATCH = 250
    const deadline = Date.now() + 40_000
    const started = Date.now()
    const stats = { sent: 0, answers: 0, reconnects: 0, closes: new Map<number, number>() }

    const runFuzzer = async (index: number) => {
      const fuzz = fuzzer(prng(seed + index))
      const cookie = await h!.login({ id: `fuzzer-${index}` })
      let sent = 0
      let batchNo = 0
      while (sent < FRAMES_EACH && Date.now() < deadline) {
        const ws = new WebSocket(h!.wsUrl, { headers: { Cookie: cookie } })
        const syncWaiters = new Map<string, () => void>()
        ws.on('message', (data) => {
          stats.answers += 1
          const id = /^\{"type":"res","id":"(sync-\d+)"/.exec(data.toString().slice(0, 80))?.[1]
          if (id) syncWaiters.get(id)?.()
        })
        const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
        /** Resolves when `sync` is answered, the socket closes or the run's deadline passes. */
        const answeredOrDone = async (sync: string) => {
          let timer: NodeJS.Timeout | undefined
          await Promise.race([
            new Promise<void>((resolve) => syncWaiters.set(sync, resolve)),
            closed,
            new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
          ])
          clearTimeout(timer)
          syncWaiters.delete(sync)
        }
        ws.on('error', () => undefined)
        await new Promise((resolve) => ws.once('open', resolve).once('close', resolve))
        while (sent < FRAMES_EACH && ws.readyState === ws.OPEN && Date.now() < deadline) {
          for (let i = 0; i < BATCH && sent < FRAMES_EACH; i += 1) {
            const frame = fuzz.frame()
            ws.send(frame.data, { binary: frame.kind === 'binary' })
            sent += 1
          }
          // A frame the proxy answers at once, after all the others: the batch has been read.
          const sync = `sync-${(batchNo += 1)}`
          const synced = answeredOrDone(sync)
          ws.send(JSON.stringify({ type: 'req', id: sync }))
          const endsConnection = fuzz.random() < 0.15
          if (endsConnection) {
            const frame = fuzz.closing()
            ws.send(frame.data, { binary: frame.kind === 'binary' })
            sent += 1
          }
          stats.sent = stats.sent + BATCH + (endsConnection ? 1 : 0)
          await synced
          if (endsConnection) break
        }
        if (ws.readyState === ws.OPEN) ws.close()
        const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))])
        stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1)
        if (sent < FRAMES_EACH) stats.reconnects += 1
      }
    }

    // The well-behaved user chats while the fuzzers run, and after.
    const fuzzing = Promise.all(Array.from({ length: FUZZERS }, (_, i) => runFuzzer(i)))
    await fullChat(good, 'during-fuzz')
    await fuzzing
    const durationMs = Date.now() - started
    console.log(
      `[measure] fuzz: ${stats.sent} frames from ${FUZZERS} users in ${durationMs} ms (seed ${seed}); ${stats.answers} answers, ${stats.reconnects} reconnects after closes ${JSON.stringify([...stats.closes])}`,
    )
    expect(stats.sent).toBeGreaterThanOrEqual(20_000)
    expect(stats.answers).toBeGreaterThan(stats.sent * 0.8) // every frame but cancels is answered
    for (const code of stats.closes.keys())
      expect(ALLOWED_CLOSES.has(code) || code === 1005, `close code ${code}`).toBe(true)

    expectUnpolluted(before)
    expect(good.closed).toBeNull()
    await fullChat(good, 'after-fuzz')
    expect((await good.request('chat.history', {})).payload.messages.length).toBeGreaterThanOrEqual(4)
    const fresh = await h.connectAs({ id: 'newcomer' })
    await fullChat(fresh, 'newcomer-after-fuzz')
    expect(h.proxy.stats().gateway).toBe('up')
    expect(h.gateway!.connectionCount()).toEqual({ open: 1, authenticated: 1 })
    // Nothing crossed: the good user saw only their own runs.
    const runIds = new Set(good.events('chat').map((f) => f.payload.runId))
    expect([...runIds].sort()).toEqual(['after-fuzz', 'during-fuzz'])
  }, 90_000)
})
