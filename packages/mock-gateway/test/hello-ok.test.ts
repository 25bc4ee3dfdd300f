import { afterEach, describe, expect, it, vi } from 'vitest'
import { Harness, TOKEN } from './helpers/harness.js'
import { makeDevice, signedDevice } from './helpers/device.js'
import { officialErrors } from './helpers/official-schema.js'
import { connectParams } from './helpers/raw-client.js'
import { loadJsonl, received } from './helpers/reference.js'
import { expectSameShape, expectShapeOfSamples } from './helpers/shape.js'

/** hello-ok, the health event after it and ticks, against transcripts/step5-chat-fake.jsonl and admin-scope.jsonl. */
const h = new Harness()
afterEach(() => h.cleanup())

const step5 = received(loadJsonl('transcripts/step5-chat-fake.jsonl'))
const refHello = step5.find((f) => f.type === 'res' && f.id === '1')
/** Recorded hellos of read+write token clients (values such as `degradedSinceMs` vary between them). */
const refHellos = [
  'step5-chat-fake.jsonl',
  'step5-chat-fake-2.jsonl',
  'step4-basic-nomodel.jsonl',
  'matrix-gateway-client-backend.jsonl',
].map((f) => received(loadJsonl(`transcripts/${f}`)).find((x) => x.type === 'res' && x.id === '1'))
const refHealthEvent = step5.find((f) => f.event === 'health')
const refTick = received(loadJsonl('transcripts/step4-basic-nomodel.jsonl')).find((f) => f.event === 'tick')

describe('hello-ok', () => {
  it('has the shape of the recorded hello-ok (same fields and types at every level)', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN }), '1')
    expectShapeOfSamples(res, refHellos)
    expect(res.payload.protocol).toBe(4)
    expect(res.payload.policy).toEqual({ ...refHello.payload.policy })
    expect(res.payload.snapshot.sessionDefaults).toEqual(refHello.payload.snapshot.sessionDefaults)
    expect(res.payload.features.events).toEqual(refHello.payload.features.events)
    expect(res.payload.features.capabilities).toEqual(refHello.payload.features.capabilities)
    expect(res.payload.auth.recoveryScope).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(JSON.stringify(res)).not.toContain(TOKEN)
  })

  it('lists the methods the mock implements, all of which the real gateway advertises too', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN }), '1')
    const methods: string[] = res.payload.features.methods
    expect(methods).toEqual(
      expect.arrayContaining(['chat.send', 'chat.abort', 'chat.history', 'sessions.list', 'sessions.reset']),
    )
    for (const m of methods) expect(refHello.payload.features.methods).toContain(m)
  })

  it('fails the official 2026.9.1 HelloOk schema in exactly the ways the recorded 2026.9.6 hello does', async () => {
    const recordedErrors = officialErrors('HelloOkSchema', refHello.payload)
    expect(recordedErrors.length).toBeGreaterThan(0)
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN }), '1')
    expect(officialErrors('HelloOkSchema', res.payload)).toEqual(recordedErrors)
  })

  it('with strictHelloOk passes the official HelloOk validator (token and device clients)', async () => {
    const gw = await h.gateway({ strictHelloOk: true })
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN }), '1')
    expect(officialErrors('HelloOkSchema', res.payload)).toEqual([])

    const d = await h.client(gw)
    const challenge = await d.challenge()
    const device = makeDevice()
    const dev = signedDevice(device, {
      nonce: challenge.payload.nonce,
      signedAt: challenge.payload.ts,
      clientId: 'test',
      mode: 'test',
      scopes: ['operator.read'],
      token: TOKEN,
    })
    const devRes = await d.request(
      'connect',
      connectParams({ token: TOKEN, clientId: 'test', mode: 'test', scopes: ['operator.read'], device: dev }),
    )
    expect(devRes.payload.snapshot.presence.length).toBeGreaterThan(1)
    expect(officialErrors('HelloOkSchema', devRes.payload)).toEqual([])
  })

  it('gives an admin the extra snapshot fields the recorded admin hello has', async () => {
    const refAdmin = received(loadJsonl('transcripts/admin-scope.jsonl')).find((f) => f.type === 'res' && f.id === '1')
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(
      connectParams({ token: TOKEN, scopes: ['operator.read', 'operator.write', 'operator.admin'] }),
      '1',
    )
    expect(Object.keys(res.payload.snapshot).sort()).toEqual(Object.keys(refAdmin.payload.snapshot).sort())
    expect(res.payload.snapshot.authMode).toBe('token')
  })

  it('announces the configured tickIntervalMs in policy', async () => {
    const gw = await h.gateway({ tickIntervalMs: 1234 })
    const c = await h.client(gw)
    expect((await c.connect(connectParams({ token: TOKEN }))).payload.policy.tickIntervalMs).toBe(1234)
  })
})

describe('after hello', () => {
  it('sends a health event (frame seq 1, stateVersion) shaped like the recorded one', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    const health = await c.event('health')
    expectSameShape(health, refHealthEvent)
    expect(health.seq).toBe(1)
    expect(c.frames.indexOf(health)).toBe(2)
  })

  it('ticks every tickIntervalMs with consecutive per-connection seq', async () => {
    const gw = await h.gateway({ tickIntervalMs: 100 })
    const c = await h.connected(gw)
    await c.event('tick', () => c.events('tick').length >= 3, 3000)
    const ticks = c.events('tick')
    expect(ticks.length).toBeGreaterThanOrEqual(3)
    for (const t of ticks) {
      expectSameShape(t, refTick)
      expect(officialErrors('TickEventSchema', t.payload)).toEqual([])
    }
    const seqs = c.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })

  it('does not tick before the interval (default 30 s), then ticks', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const gw = await h.gateway()
      const c = await h.connected(gw)
      await c.event('health')
      vi.advanceTimersByTime(29_999)
      await c.request('health', {}) // answered after any tick sent before it
      expect(c.events('tick')).toEqual([])
      vi.advanceTimersByTime(1)
      expect((await c.event('tick')).payload.ts).toEqual(expect.any(Number))
    } finally {
      vi.useRealTimers()
    }
  })
})
