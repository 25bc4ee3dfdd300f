/**
 * Issue 21, the console socket (`/clawchat/control`) through the proxy to the mock gateway: only
 * admins get in, the page's own credentials are ignored, the token and the console device's token
 * reach no frame, requests flow both ways (the console is an admin's view of the WHOLE gateway),
 * and it closes at logout, gateway restart and `proxy.close()`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { base32Encode } from '../../src/isolation/session-keys.js'
import { waitFor, type Harness } from '../helpers/harness.js'
import {
  CONSOLE_PATH,
  auditLines,
  consoleAs,
  openConsole,
  pageBuildId,
  pageConnectParams,
  rawUpgrade,
  startConsoleHarness,
} from './console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('the console socket', () => {
  it('refuses anonymous (401), non-admins (403) and foreign Origins (403), each with an audit line', async () => {
    h = await startConsoleHarness()
    const bob = await h.login({ id: 'bob', role: 'user' })
    const admin = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(undefined, {}, CONSOLE_PATH)).toBe(401)
    expect(await h.upgradeStatus(bob, {}, CONSOLE_PATH)).toBe(403)
    expect(await h.upgradeStatus(admin, { origin: 'https://evil.example' }, CONSOLE_PATH)).toBe(403)
    // (A raw request: a WebSocket client would resolve the `%2e%2e` itself.)
    expect(await rawUpgrade(h, `${CONSOLE_PATH}/%2e%2e`, { cookie: admin })).toMatchObject({
      status: 400,
      body: 'Refused: the path has a "%2e%2e" segment.\n',
    })
    const refused = auditLines(h).filter((l) => l.event === 'control-ui.refused')
    expect(refused.map((l) => [l.status, l.userId])).toEqual([
      [401, undefined],
      [403, 'bob'],
      [403, undefined],
    ])
    // Nothing reached the gateway's Control UI path.
    expect(h.gateway!.upgradeRequests().filter((r) => r.path.startsWith(CONSOLE_PATH))).toEqual([])
  })

  it("ignores the page's auth and device; the hello has no device token and no frame carries the token", async () => {
    h = await startConsoleHarness()
    const { page, hello } = await consoleAs(h, { id: 'root', role: 'admin' })
    expect(hello).toMatchObject({ type: 'res', ok: true, payload: { type: 'hello-ok' } })
    expect(hello.payload.auth).toBeDefined()
    expect(hello.payload.auth).not.toHaveProperty('deviceToken')
    expect(hello.payload.auth.scopes).toEqual(expect.arrayContaining(['operator.admin', 'operator.pairing']))
    // The proxy's own connect upstream: the Control UI's client, the fixed scopes, its own device.
    const connect = await h.gateway!.waitForRequest(
      (r) => r.method === 'connect' && (r.params as any)?.client?.id === 'openclaw-control-ui',
    )
    const params = connect.params as Record<string, any>
    expect(params.client).toMatchObject({ id: 'openclaw-control-ui', mode: 'webchat', instanceId: 'page-instance-1' })
    expect(params.scopes).toHaveLength(6)
    expect(params.caps).toEqual(['model-catalog-snapshot'])
    expect(params.device.id).not.toBe('page-device')
    expect(JSON.stringify(h.gateway!.requests)).not.toContain('page-fake-token-1234')
    const upstream = h.gateway!.upgradeRequests().find((r) => r.path === CONSOLE_PATH)
    expect(upstream).toEqual({
      path: CONSOLE_PATH,
      origin: h.gateway!.url.replace('ws:', 'http:'),
      authorized: false,
      hadCookie: false,
    })
    const list = await page.request('sessions.list', {})
    expect(list.ok).toBe(true)
    for (const raw of page.raw) {
      expect(raw).not.toContain(h.token)
      expect(raw).not.toContain('deviceToken')
    }
    expect(h.capture.logs.join('\n')).not.toContain(h.token)
  })

  it("lists alice's relay session to the admin (not isolated) and audits each request with the admin's id", async () => {
    h = await startConsoleHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    expect((await alice.request('chat.send', { sessionKey: 'main', message: 'hi', idempotencyKey: 'k1' })).ok).toBe(
      true,
    )
    await alice.waitForEvent('chat', (p) => p.state === 'final')
    const { page } = await consoleAs(h, { id: 'root', role: 'admin' })
    const list = await page.request('sessions.list', {})
    expect(list.ok).toBe(true)
    const keys = (list.payload.sessions as Array<{ key: string }>).map((s) => s.key)
    // The gateway key of alice's relay session: `clawchat:<base32(alice)>:main` (isolation/session-keys.ts).
    expect(keys.some((k) => k.includes(`clawchat:${base32Encode('alice')}:main`))).toBe(true)
    // Events flow from the gateway to the page too: a chat run started on the console streams back.
    const sent = await page.request('chat.send', {
      sessionKey: 'agent:main:main',
      message: 'ping',
      idempotencyKey: 'c1',
    })
    expect(sent.ok).toBe(true)
    await page.waitForEvent('chat', (p) => p.state === 'final')
    const requests = auditLines(h).filter((l) => l.event === 'control-ui.request')
    expect(requests.map((l) => [l.userId, l.method])).toEqual([
      ['root', 'sessions.list'],
      ['root', 'chat.send'],
    ])
    expect(JSON.stringify(requests)).not.toContain('ping')
    expect(auditLines(h).find((l) => l.event === 'control-ui.open')).toMatchObject({ userId: 'root' })
  })

  it('answers over-limit requests itself (RATE_LIMITED) and refuses a second connect', async () => {
    h = await startConsoleHarness({ limits: { requestsPerMinute: 2 } })
    const { page } = await consoleAs(h, { id: 'root', role: 'admin' })
    expect((await page.request('sessions.list', {})).ok).toBe(true)
    expect((await page.request('sessions.list', {})).ok).toBe(true)
    const limited = await page.request('sessions.list', {})
    expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryable: true } })
    expect(limited.error.retryAfterMs).toBeGreaterThan(0)
    const again = await page.request('connect', pageConnectParams('x'))
    expect(again).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: 'already connected' } })
    expect(page.closed).toBeNull()
    expect(auditLines(h).filter((l) => l.event === 'control-ui.request' && l.outcome === 'rate-limited')).toHaveLength(
      1,
    )
  })

  it("passes the gateway's refusal on with the page's id and closes 1008", async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const page = await openConsole(h, { cookie })
    await page.waitForEvent('connect.challenge')
    // Another build of the UI: the gateway tells it to reload.
    const answer = await page.request('connect', pageConnectParams('2020.1.1-other-build'))
    expect(answer.ok).toBe(false)
    expect(answer.error.message).toMatch(/reload/i)
    expect((await page.closedPromise).code).toBe(1008)
  })

  it('closes a page that sends no connect, or something else first (1008)', async () => {
    h = await startConsoleHarness({ limits: { connectTimeoutMs: 300 } })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const silent = await openConsole(h, { cookie })
    expect(await silent.closedPromise).toEqual({ code: 1008, reason: 'no connect within 300 ms' })
    const wrong = await openConsole(h, { cookie })
    await wrong.waitForEvent('connect.challenge')
    wrong.send({ type: 'req', id: '1', method: 'sessions.list' })
    expect(await wrong.closedPromise).toEqual({ code: 1008, reason: 'the first frame must be a connect request' })
  })

  it('refuses a user past connectionsPerUser (429), counting consoles apart from relay sockets', async () => {
    h = await startConsoleHarness({ limits: { connectionsPerUser: 1 } })
    const { page, cookie } = await consoleAs(h, { id: 'root', role: 'admin' })
    await h.open(cookie) // a relay socket of the same admin: not a console
    await waitFor(() => h!.proxy.stats().connections === 1)
    expect(h.proxy.stats().controlUi).toEqual({ connections: 1, users: 1 })
    expect(await h.upgradeStatus(cookie, {}, CONSOLE_PATH)).toBe(429)
    expect(await h.upgradeStatus(cookie, {}, `${CONSOLE_PATH}/ws/echo`)).toBe(429)
    await page.close()
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
    expect(h.proxy.stats().connections).toBe(1)
  })
})

describe('the console socket closes', () => {
  it('at logout, within 5 s, even when the logout route knows nothing of the proxy', async () => {
    h = await startConsoleHarness({}, { logoutDisconnects: false })
    const { page, cookie } = await consoleAs(h, { id: 'root', role: 'admin' })
    const res = await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie } })
    expect(res.ok).toBe(true)
    const started = Date.now()
    expect((await page.closedPromise).code).toBe(4401)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(await h.upgradeStatus(cookie, {}, CONSOLE_PATH)).toBe(401)
  })

  it('with 1012 when the gateway restarts, so the UI reconnects', async () => {
    h = await startConsoleHarness()
    const { page } = await consoleAs(h, { id: 'root', role: 'admin' })
    await h.gateway!.restart()
    expect((await page.closedPromise).code).toBe(1012)
    // And the UI can come back.
    const again = await consoleAs(h, { id: 'root', role: 'admin' })
    expect(again.hello.ok).toBe(true)
  })

  it('at proxy.close(), and stats() counts consoles apart from relay connections', async () => {
    h = await startConsoleHarness()
    expect(h.proxy.stats().controlUi).toEqual({ connections: 0, users: 0 })
    const { page, cookie } = await consoleAs(h, { id: 'root', role: 'admin' })
    const buildId = await pageBuildId(h, cookie)
    expect(buildId).toMatch(/release/)
    await h.connectAs({ id: 'alice' })
    const stats = h.proxy.stats()
    expect(stats.controlUi).toEqual({ connections: 1, users: 1 })
    expect(stats.connections).toBe(1)
    expect(stats.users).toBe(1)
    await h.proxy.close()
    expect((await page.closedPromise).code).toBe(1012)
    expect(h.proxy.stats().controlUi).toEqual({ connections: 0, users: 0 })
  })
})
