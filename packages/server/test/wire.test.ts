/**
 * Behaviour 3: the wire to the browser, as docs/ARCHITECTURE.md "The wire" says.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BROWSER_EVENTS, USER_METHODS } from '@clawchat/protocol'
import { helloOkProblem } from './helpers/hello-validator.js'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** The `seq` of every event after the challenge: 1, 2, 3, … with no gap. */
function expectContiguousSeq(client: TestClient): void {
  const seqs = client.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
  expect(seqs).toEqual(seqs.map((_s, i) => i + 1))
}

describe('handshake', () => {
  it('sends connect.challenge on open, then a sanitised hello-ok and clawchat.session after connect', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const client = await h.open(await h.login({ id: 'alice', name: 'Alice' }))
    const challenge = await client.waitForEvent('connect.challenge')
    expect(challenge.seq).toBeUndefined()
    expect(typeof challenge.payload.nonce).toBe('string')
    expect(typeof challenge.payload.ts).toBe('number')

    const hello = await client.connect({
      auth: { token: 'made-up' },
      role: 'admin',
      scopes: ['operator.admin'],
      device: { id: 'x' },
    })
    expect(hello.ok).toBe(true)
    expect(helloOkProblem(hello.payload)).toBeNull()
    expect(hello.payload.auth).toEqual({
      role: 'operator',
      scopes: ['operator.read', 'operator.write', 'operator.approvals', 'operator.questions'],
    })
    expect(hello.payload.features.methods).toEqual([...USER_METHODS])
    expect(hello.payload.features.events).toEqual([...BROWSER_EVENTS])
    expect(hello.payload.snapshot.sessionDefaults).toMatchObject({ mainKey: 'main', mainSessionKey: 'main' })
    expect(hello.payload.server.version).not.toBe('unknown')

    const sessionEvent = await client.waitForEvent('clawchat.session')
    expect(sessionEvent.payload).toMatchObject({
      user: { id: 'alice', name: 'Alice', role: 'user' },
      sessionKey: 'main',
      methods: [...USER_METHODS],
    })
    expect(sessionEvent.seq).toBe(1)
    const order = client.frames.map((f) => (f.type === 'res' ? 'res' : f.event))
    expect(order.slice(0, 3)).toEqual(['connect.challenge', 'res', 'clawchat.session'])
  })

  it('refuses an invalid connect with INVALID_REQUEST and close 1008', async () => {
    h = await startHarness()
    const client = await h.open(await h.login({ id: 'alice' }))
    const res = await client.request('connect', {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', platform: 'web', mode: 'webchat' },
    })
    expect(res.ok).toBe(false)
    expect(res.error.code).toBe('INVALID_REQUEST')
    expect(res.error.message).toContain("must have required property 'version'")
    expect((await client.closedPromise).code).toBe(1008)
  })

  it('refuses a protocol it does not speak with close 1002', async () => {
    h = await startHarness()
    const client = await h.open(await h.login({ id: 'alice' }))
    const res = await client.connect({ minProtocol: 3, maxProtocol: 3 })
    expect(res.error.message).toContain('protocol mismatch')
    expect((await client.closedPromise).code).toBe(1002)
  })

  it("accepts the design doc's snippet verbatim: no connect, no type, no id, no sessionKey, no idempotencyKey", async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const client = await h.open(await h.login({ id: 'alice' }))
    await client.waitForEvent('connect.challenge')
    client.ws.send(JSON.stringify({ method: 'chat.send', params: { message: 'Hello' } }))
    const res = await client.waitFor((f) => f.type === 'res')
    expect(res.id).toBe('clawchat-1')
    expect(res.ok).toBe(true)
    expect(res.payload.status).toBe('started')
    expect(res.payload.runId).toMatch(/^[0-9a-f-]{36}$/)
    const final = await client.waitForEvent('chat', (p) => p.state === 'final')
    expect(final.payload).toMatchObject({ runId: res.payload.runId, sessionKey: 'main' })
    expect(final.payload.message.content[0].text).toBe('ECHO<<Hello>>')
    // clawchat.session came first, before any answer.
    const firstAfterChallenge = client.frames[1]
    expect(firstAfterChallenge).toMatchObject({ type: 'event', event: 'clawchat.session', seq: 1 })
    expectContiguousSeq(client)
  })

  it('sends its own ticks every tickIntervalMs, numbered like every other event', async () => {
    h = await startHarness({ proxy: { limits: { tickIntervalMs: 150 } } })
    const client = await h.connectAs({ id: 'alice' })
    await waitFor(() => client.events('tick').length >= 3, 5000, 'three ticks')
    expect(typeof client.events('tick')[0]?.payload.ts).toBe('number')
    expectContiguousSeq(client)
  })
})

describe('frames', () => {
  it('answers bad frames with INVALID_REQUEST and keeps the socket open', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const client = await h.connectAs({ id: 'alice' })
    client.send('not json')
    expect((await client.waitFor((f) => f.type === 'res' && f.id === 'invalid')).error.code).toBe('INVALID_REQUEST')
    client.send({ type: 'event', id: 'e1', event: 'x' })
    expect((await client.waitFor((f) => f.id === 'e1')).error.message).toMatch(/unknown type/)
    client.send({ type: 'req', id: 'e2', method: 'chat.send', params: { message: 'x' }, extra: 1 })
    expect((await client.waitFor((f) => f.id === 'e2')).error.message).toMatch(/unexpected property 'extra'/)
    client.send({ type: 'req', id: 5, method: 'chat.send' })
    expect((await client.waitFor((f) => f.id === '5')).error.message).toMatch(/id must be a string/)
    client.send({ type: 'req', id: 'e3' })
    expect((await client.waitFor((f) => f.id === 'e3')).error.message).toMatch(/method must be a non-empty string/)
    const again = await client.request('connect', {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', version: '1', platform: 'web', mode: 'webchat' },
    })
    expect(again.error.message).toMatch(/already connected/)
    const ok = await client.request('chat.history', {})
    expect(ok.ok).toBe(true)
    expect(client.closed).toBeNull()
  })

  it('closes with 1008 on a binary frame', async () => {
    h = await startHarness()
    const client = await h.connectAs({ id: 'alice' })
    client.ws.send(Buffer.from([1, 2, 3]))
    expect((await client.closedPromise).code).toBe(1008)
  })

  it('closes with 1009 on a frame over maxPayload', async () => {
    h = await startHarness({ proxy: { limits: { maxPayload: 2048 } } })
    const client = await h.connectAs({ id: 'alice' })
    client.send({ method: 'chat.send', params: { message: 'x'.repeat(4096) } })
    expect((await client.closedPromise).code).toBe(1009)
  })

  it('refuses a duplicate id while the first request is in flight', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const client = await h.connectAs({ id: 'alice' })
    h.gateway!.stall()
    client.send({ type: 'req', id: 'dup', method: 'chat.history', params: {} })
    client.send({ type: 'req', id: 'dup', method: 'sessions.list', params: {} })
    const refusal = await client.waitFor((f) => f.id === 'dup')
    expect(refusal.error.message).toMatch(/still in flight/)
    h.gateway!.resume()
    await waitFor(() => client.frames.filter((f) => f.id === 'dup').length === 2, 10_000, 'the first answer')
  })

  it('drops the answer of a request cancelled with a cancel frame', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const client = await h.connectAs({ id: 'alice' })
    h.gateway!.stall()
    client.send({ type: 'req', id: 'slow', method: 'chat.history', params: {} })
    // The proxy decides frames in order: once a later one is answered, 'slow' has gone upstream.
    expect((await client.request('no.such.method', {})).ok).toBe(false)
    client.send({ type: 'cancel', id: 'slow' })
    h.gateway!.resume()
    const later = await client.request('sessions.list', {})
    expect(later.ok).toBe(true)
    // The same request sent after it is answered after it: by then 'slow' was answered upstream too.
    expect((await client.request('chat.history', {})).ok).toBe(true)
    expect(client.frames.filter((f) => f.id === 'slow')).toEqual([])
  })

  it('answers RATE_LIMITED with retryAfterMs past messagesPerSecond, and keeps the socket', async () => {
    h = await startHarness({ proxy: { limits: { messagesPerSecond: 3 } } })
    await h.waitForLinkUp()
    const client = await h.connectAs({ id: 'alice' })
    for (let i = 0; i < 6; i += 1) client.send({ type: 'req', id: `r${i}`, method: 'chat.history', params: {} })
    const limited = await client.waitFor((f) => f.type === 'res' && f.error?.code === 'RATE_LIMITED')
    expect(limited.error.retryAfterMs).toBeGreaterThan(0)
    expect(limited.error.retryable).toBe(true)
    expect(client.closed).toBeNull()
  })
})

describe('gateway down', () => {
  it('keeps the browser socket open, says down/up, and fails requests fast with UNAVAILABLE retryable', async () => {
    h = await startHarness({ noGateway: true })
    const client = await h.connectAs({ id: 'alice' })
    const down = await client.waitForEvent('clawchat.gateway', (p) => p.state === 'down')
    expect(typeof down.payload.reason).toBe('string')
    const started = Date.now()
    const res = await client.request('chat.send', { message: 'Hello', idempotencyKey: 'k-down' })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(res.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })

    await h.startGateway()
    await client.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 15_000)
    const ok = await client.request('chat.send', { message: 'Hello', idempotencyKey: 'k-down' })
    expect(ok.payload).toEqual({ runId: 'k-down', status: 'started' })

    await h.gateway!.crash()
    await client.waitForEvent(
      'clawchat.gateway',
      (p) => p.state === 'down' && client.events('clawchat.gateway').length === 3,
      10_000,
    )
    expect(client.closed).toBeNull()
    const failed = await client.request('chat.history', {})
    expect(failed.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true })
    const restarted = Date.now()
    await h.gateway!.restart()
    await waitFor(() => client.events('clawchat.gateway').length === 4, 15_000, 'up again')
    expect(client.events('clawchat.gateway').map((f) => f.payload.state)).toEqual(['down', 'up', 'down', 'up'])
    // The link owns its reconnects and is fast (the hardening issue tightens this bound).
    expect(Date.now() - restarted).toBeLessThan(5000)
    expectContiguousSeq(client)
  })

  it('tells a browser that connects while the gateway is down, right after clawchat.session', async () => {
    h = await startHarness({ noGateway: true })
    const client = await h.open(await h.login({ id: 'alice' }))
    await client.waitForEvent('connect.challenge')
    await client.connect()
    await client.waitForEvent('clawchat.gateway')
    expect(client.frames.slice(1).map((f) => (f.type === 'res' ? 'res' : f.event))).toEqual([
      'res',
      'clawchat.session',
      'clawchat.gateway',
    ])
  })
})
