// Issue 22 as an operator sees it, through ClawChat in front of the REAL gateway (openclaw 2026.9.6):
// `GET /clawchat/readyz` and `/healthz` while the link comes up, while the gateway is suspended by its
// host (`gateway.suspend.prepare` from an operator connection straight to the gateway) and resumed,
// and while it drains on SIGTERM; what a browser's `chat.send` gets meanwhile; and the opt-in
// Prometheus scrape (`metrics: true`) after a login, a chat and a refused upgrade. One gateway for the
// file; the last test stops it. Everything each step saw goes to e2e/artifacts/real-gateway/operations.json.
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClawChat } from '@clawchat/client'
import { newTestDevice, rawConnect } from './device-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { RawWs } from './raw-ws.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream, findSecret, nextEvent } from './sdk-helpers.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
/** The operator's own connection to the gateway (device-signed, admin: what may suspend it). */
let operator: RawWs | undefined
const clients: ClawChat[] = []
/** Every frame and HTTP body the SDK instance of this file received. */
const record: BrowserSideRecord = { frames: [], http: [] }
const sockets: RawWs[] = []
const tag = randomUUID().slice(0, 8)
const user = { id: `ops-user-${tag}`, cookie: '' }
/** What each step saw, for the report and the artifact. */
const seen: Record<string, unknown> = {}

type Probe = { status: number; body: Record<string, any>; at: number }

async function probe(name: 'readyz' | 'healthz'): Promise<Probe> {
  const res = await fetch(`${app.baseUrl}/clawchat/${name}`)
  return { status: res.status, body: (await res.json()) as Record<string, any>, at: Date.now() }
}

/** Polls readyz (every 100 ms, at most `timeoutMs`) until `done` holds; every distinct answer goes to `trail`. */
async function readyzUntil(done: (p: Probe) => boolean, timeoutMs: number, trail: Probe[] = []): Promise<Probe> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const p = await probe('readyz')
    const last = trail.at(-1)
    if (!last || last.status !== p.status || JSON.stringify(last.body) !== JSON.stringify(p.body)) trail.push(p)
    if (done(p)) return p
    if (Date.now() > deadline)
      throw new Error(`readyz did not reach the expected answer within ${timeoutMs} ms: ${JSON.stringify(trail)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A browser's socket to the proxy with the login cookie (its first request is the implicit connect). */
async function browserSocket(): Promise<RawWs> {
  const ws = await RawWs.open(app.wsUrl, { headers: { Cookie: user.cookie } })
  sockets.push(ws)
  return ws
}

/** `gateway.suspend.prepare` while idle; right after boot it answers `busy` for a few seconds: ask again (bounded). */
async function prepareIdle(ws: RawWs): Promise<Record<string, any>> {
  const answers: unknown[] = []
  for (let i = 0; i < 40; i++) {
    const res = await ws.request('gateway.suspend.prepare', { requestId: `ops-${tag}-${i}` }, { timeoutMs: 20_000 })
    answers.push(res.payload ?? res.error)
    if (res.payload?.status === 'ready') {
      seen.prepareAnswers = answers
      return res.payload as Record<string, any>
    }
    if (res.payload?.status !== 'busy') throw new Error(`prepare answered ${JSON.stringify(res)}`)
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(`prepare stayed busy for 40 tries: ${JSON.stringify(answers.slice(-2))}`)
}

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, readyTimeoutMs: 240_000 })
  seen.gatewayStartMs = gateway.startMs
  app = await startProxyApp({ gatewayUrl: gateway.url, token: gateway.token, proxy: { metrics: true } })
}, 300_000)

afterAll(async () => {
  for (const c of clients) c.close()
  for (const s of [...sockets, ...(operator ? [operator] : [])]) s.terminate()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
  const dir = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}operations.json`, JSON.stringify(seen, null, 2))
})

describe('readiness as an operator sees it, on the real gateway', () => {
  it('readyz: 503 while the link comes up, then 200 ready; the session store is "ok" once an upgrade met it', async () => {
    const trail: Probe[] = []
    const ready = await readyzUntil((p) => p.status === 200, 60_000, trail)
    seen.readyzAtStart = trail
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unknown yet' },
    })
    for (const p of trail.slice(0, -1)) expect(p).toMatchObject({ status: 503, body: { status: 'not ready' } })
    expect(await probe('healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })

    user.cookie = await app.login({ id: user.id, name: 'Ops' })
    const chat = sdkClient(app.wsUrl, user.cookie, record)
    clients.push(chat)
    await chat.ready
    const afterUpgrade = await probe('readyz')
    seen.readyzAfterUpgrade = afterUpgrade.body
    expect(afterUpgrade).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { gateway: 'up', admission: 'accepting', sessionStore: 'ok' } },
    })
  })

  it('suspended by its host: readyz 503 "prepared" with the reason, chat.send refused retryable, 200 again after resume', async () => {
    const { ws, hello } = await rawConnect({
      url: gateway.url,
      token: gateway.token,
      scopes: ['operator.read', 'operator.write', 'operator.admin'],
      device: newTestDevice(),
    })
    operator = ws
    expect(hello.ok).toBe(true)
    const lease = await prepareIdle(ws)
    const trail: Probe[] = []
    const suspended = await readyzUntil((p) => p.body.checks?.admission === 'prepared', 10_000, trail)
    seen.readyzWhileSuspended = trail
    expect(suspended).toMatchObject({
      status: 503,
      body: {
        status: 'not ready',
        reason: 'the chat gateway is suspended by its host and takes no new work until it is resumed',
        checks: { gateway: 'up', admission: 'prepared', sessionStore: 'ok' },
      },
    })
    expect(await probe('healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })

    // What the browser's socket gets, frame for frame: an answer at once, not a hang.
    const browser = await browserSocket()
    const sentAt = Date.now()
    const refused = await browser.request(
      'chat.send',
      { sessionKey: `ops-${tag}`, message: `while suspended ${tag}`, idempotencyKey: randomUUID() },
      { timeoutMs: 10_000 },
    )
    seen.chatSendWhileSuspended = { frame: refused, ms: Date.now() - sentAt }
    expect(refused).toMatchObject({
      type: 'res',
      ok: false,
      error: {
        code: 'UNAVAILABLE',
        message: 'chat.send unavailable during gateway suspension',
        retryable: true,
        retryAfterMs: 1000,
        details: { reason: 'gateway-suspending' },
      },
    })

    // The SDK re-sends a refused chat.send (every retryAfterMs, ten times): resumed meanwhile, it goes through.
    const sdk = clients[0]!
    const text = `sent by the SDK while suspended ${tag}`
    const from = record.frames.length
    const stream = collectStream(sdk.stream(text, { sessionKey: `ops-sdk-${tag}` }))
    const refusedToSdk = () => record.frames.slice(from).find((f) => f.includes('gateway-suspending'))
    await expect.poll(refusedToSdk, { timeout: 10_000, interval: 50 }).toBeDefined()
    seen.sdkRefusal = refusedToSdk()
    const resumed = await ws.request('gateway.suspend.resume', { suspensionId: lease.suspensionId })
    expect(resumed.payload).toEqual({ ok: true, status: 'running', resumed: true })
    const back = await readyzUntil((p) => p.status === 200, 10_000)
    seen.readyzAfterResume = back.body
    expect(back.body).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'ok' },
    })
    const parts = await stream
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text) })
    expect(model.chatRequests().filter((r) => r.userText === text)).toHaveLength(1)
  })
})

describe('the Prometheus scrape (metrics: true) on the real gateway', () => {
  it('after a login, a chat and a refused upgrade: link up, connections, the refusal, chat.send latency; no secrets', async () => {
    const sdk = clients[0]!
    const text = `counted ${tag}`
    const parts = await collectStream(sdk.stream(text, { sessionKey: `ops-metrics-${tag}` }))
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text) })
    await expect(RawWs.open(app.wsUrl)).rejects.toThrow('upgrade refused: HTTP 401')

    const res = await fetch(`${app.baseUrl}/clawchat/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const scrape = await res.text()
    const lines = scrape.split('\n').filter((l) => l.startsWith('clawchat_') && !l.includes('_bucket{'))
    seen.scrape = lines
    const value = (series: string) => {
      const line = lines.find((l) => l.startsWith(`${series} `))
      if (!line) throw new Error(`no series ${series} in the scrape`)
      return Number(line.slice(series.length + 1))
    }
    expect(value('clawchat_gateway_link_state{state="up"}')).toBe(1)
    expect(value('clawchat_gateway_link_state{state="down"}')).toBe(0)
    expect(value('clawchat_connections{surface="relay"}')).toBeGreaterThanOrEqual(1)
    expect(value('clawchat_users{surface="relay"}')).toBe(1)
    expect(value('clawchat_upgrades_refused_total{surface="relay",reason="unauthenticated"}')).toBe(1)
    expect(value('clawchat_request_duration_seconds_count{method="chat.send",outcome="ok"}')).toBeGreaterThanOrEqual(2)
    expect(value('clawchat_gateway_reconnects_total')).toBe(0)

    expect(findSecret([scrape], gateway.token)).toEqual([])
    for (const id of [user.id, 'ops-', user.cookie.split('=')[1]!]) expect(scrape).not.toContain(id)
    expect(scrape).not.toMatch(/agent:|clawchat:|sessionKey/)
    // The same figures from the proxy itself.
    seen.stats = app.proxy.stats()
  })
})

describe('a SIGTERM to the gateway (its drain), as readyz and healthz tell it', () => {
  it('readyz turns 503 draining with no traffic (its own read is refused), then the link down; healthz stays 200', async () => {
    const sdk = clients[0]!
    const text = `running at SIGTERM [[SLOW:24x300]] ${tag}`
    const { runId } = await sdk.send(text, { sessionKey: `ops-drain-${tag}` })
    const ended = nextEvent(
      sdk,
      'chat',
      (p) => p.runId === runId && ['final', 'error', 'aborted'].includes(p.state),
      90_000,
    )
    await nextEvent(sdk, 'chat', (p) => p.runId === runId && p.state === 'delta', 90_000)

    const trail: Probe[] = []
    const t0 = Date.now()
    // The harness's stop: SIGTERM to the process it started (SIGKILL to its group only after 30 s).
    const stopping = gateway.stop()
    // Nothing through the proxy (the run goes on for ~7 s): the real gateway announces its drain only
    // with the `shutdown` event just before it closes, but it refuses the readiness probe's own read
    // (`sessions.list`, limit 1) at once with `gateway-restarting` — so readyz knows while the link is up.
    const quiet = await readyzUntil((p) => p.status === 503, 30_000, trail)
    // A browser's request during the drain: what it gets.
    const browser = await browserSocket()
    const refused = await browser.request(
      'chat.send',
      { sessionKey: `ops-drain-${tag}`, message: `during the drain ${tag}`, idempotencyKey: randomUUID() },
      { timeoutMs: 10_000 },
    )
    const notReady = await readyzUntil((p) => p.status === 503, 30_000, trail)
    const healthDuringDrain = await probe('healthz')
    const down = await readyzUntil((p) => p.body.checks?.gateway !== 'up', 60_000, trail)
    const terminal = await ended
    await stopping
    seen.drain = {
      readyzTrail: trail.map((p) => ({ ms: p.at - t0, status: p.status, body: p.body })),
      afterQuietDrain: { ms: quiet.at - t0, status: quiet.status, body: quiet.body },
      chatSendDuringDrain: refused,
      runTerminal: terminal.state,
      stopMs: gateway.lastStopMs,
    }
    expect(refused).toMatchObject({
      type: 'res',
      ok: false,
      error: {
        code: 'UNAVAILABLE',
        message: 'chat.send unavailable during gateway restart',
        retryable: true,
        retryAfterMs: 1000,
        details: { reason: 'gateway-restarting' },
      },
    })
    const draining = {
      status: 'not ready',
      reason: 'the chat gateway is draining for a restart or shutdown and takes no new work until it is back',
      checks: { gateway: 'up', admission: 'draining', sessionStore: 'ok' },
    }
    expect(quiet.body).toEqual(draining)
    expect(quiet.at - t0).toBeLessThan(5000)
    expect(notReady.at - t0).toBeLessThan(30_000)
    expect(notReady.body).toEqual({
      status: 'not ready',
      reason: 'the chat gateway is draining for a restart or shutdown and takes no new work until it is back',
      checks: { gateway: 'up', admission: 'draining', sessionStore: 'ok' },
    })
    expect(healthDuringDrain).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(down).toMatchObject({
      status: 503,
      body: { status: 'not ready', checks: { admission: 'draining', sessionStore: 'ok' } },
    })
    expect(['down', 'connecting']).toContain(down.body.checks.gateway)
    expect(down.at - t0).toBeLessThan(60_000)
    expect(terminal.state).toBe('final')
    expect(await probe('healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
  })
})
