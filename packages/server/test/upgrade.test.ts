/**
 * Behaviour 1: the upgrade gate and `GET <path>/session`, with a real express-session login.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { USER_METHODS } from '@clawchat/protocol'
import { clawchatProxy } from '../src/index.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('the upgrade gate', () => {
  it('refuses an upgrade without a logged-in user with 401, before any WebSocket exists', async () => {
    h = await startHarness()
    expect(await h.upgradeStatus(undefined)).toBe(401)
    expect(await h.upgradeStatus('app.sid=s%3Aforged.signature')).toBe(401)
    expect(h.proxy.stats().connections).toBe(0)
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie)).toBe(101)
  })

  it('answers 401 for a session that exists but has no user', async () => {
    h = await startHarness({
      proxy: { authenticate: (req) => (req.session?.user?.role === 'admin' ? req.session.user : null) },
    })
    const cookie = await h.login({ id: 'alice', role: 'user' })
    expect(await h.upgradeStatus(cookie)).toBe(401)
    const admin = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(admin)).toBe(101)
  })

  it("allows the app's own origin by default, refuses others with 403, and lets non-browsers (no Origin) through the session check", async () => {
    h = await startHarness()
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie, { Origin: h.baseUrl })).toBe(101)
    expect(await h.upgradeStatus(cookie, { Origin: 'https://evil.example' })).toBe(403)
    expect(await h.upgradeStatus(cookie, { Origin: h.baseUrl.replace('http:', 'https:') })).toBe(403)
    expect(await h.upgradeStatus(cookie, { Origin: 'null' })).toBe(403)
    expect(await h.upgradeStatus(undefined, { Origin: 'https://evil.example' })).toBe(403)
    expect(await h.upgradeStatus(cookie)).toBe(101)
    expect(await h.upgradeStatus(undefined)).toBe(401)
  })

  it('uses allowedOrigins when given', async () => {
    h = await startHarness({ proxy: { allowedOrigins: ['https://app.example'] } })
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie, { Origin: 'https://app.example' })).toBe(101)
    expect(await h.upgradeStatus(cookie, { Origin: h.baseUrl })).toBe(403)
  })

  it('honours X-Forwarded-Host/-Proto only behind a trusted proxy', async () => {
    const forwarded = {
      Origin: 'https://chat.example',
      'X-Forwarded-Host': 'chat.example',
      'X-Forwarded-Proto': 'https',
    }
    h = await startHarness()
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie, forwarded)).toBe(403)
    await h.close()
    h = await startHarness({ proxy: { trustProxy: true } })
    const again = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(again, forwarded)).toBe(101)
  })

  it("takes Express's `trust proxy` values: 'loopback' trusts this loopback peer, a list without it does not", async () => {
    const forwarded = {
      Origin: 'https://chat.example',
      'X-Forwarded-Host': 'chat.example',
      'X-Forwarded-Proto': 'https',
    }
    h = await startHarness({ proxy: { trustProxy: 'loopback' } })
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie, forwarded)).toBe(101)
    await h.close()
    h = await startHarness({ proxy: { trustProxy: ['10.0.0.0/8', '192.168.1.1'] } })
    const other = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(other, forwarded)).toBe(403)
  })

  it('audits the browser address as the nearest untrusted X-Forwarded-For hop, never the forgeable leftmost one', async () => {
    // Behind nginx on loopback: nginx appends the real peer after whatever the browser wrote.
    h = await startHarness({ proxy: { trustProxy: 'loopback' } })
    const cookie = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(cookie, { 'X-Forwarded-For': '6.6.6.6, 203.0.113.7' })).toBe(101)
    const opened = h.capture.audit.filter((l) => l.includes('"connection.open"')).at(-1) ?? ''
    expect(opened).toContain('"ip":"203.0.113.7"')
    expect(opened).not.toContain('6.6.6.6')
    await h.close()
    // Nobody trusted: the socket's own peer, whatever the header says.
    h = await startHarness()
    const again = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(again, { 'X-Forwarded-For': '6.6.6.6' })).toBe(101)
    const plain = h.capture.audit.filter((l) => l.includes('"connection.open"')).at(-1) ?? ''
    expect(plain).toContain('"ip":"127.0.0.1"')
  })

  it("follows Express's own `trust proxy` setting once the middleware has seen a request", async () => {
    const forwarded = {
      Origin: 'https://chat.example',
      'X-Forwarded-Host': 'chat.example',
      'X-Forwarded-Proto': 'https',
    }
    h = await startHarness({ appSettings: { 'trust proxy': 'loopback' } })
    const cookie = await h.login({ id: 'alice' }) // an HTTP request through the app (and the middleware)
    expect(await h.upgradeStatus(cookie, forwarded)).toBe(101)
    expect(await h.upgradeStatus(cookie, { ...forwarded, Origin: 'https://evil.example' })).toBe(403)
    await h.close()
    h = await startHarness({ appSettings: { 'trust proxy': false } })
    const other = await h.login({ id: 'alice' })
    expect(await h.upgradeStatus(other, forwarded)).toBe(403)
  })

  it('answers 503 when the session store fails, on the upgrade and on GET /clawchat/session', async () => {
    h = await startHarness()
    const cookie = await h.login({ id: 'alice' })
    h.breakStore()
    expect(await h.upgradeStatus(cookie)).toBe(503)
    const res = await fetch(`${h.baseUrl}/clawchat/session`, { headers: { cookie } })
    expect(res.status).toBe(503)
    expect(h.capture.logs.join('\n')).toContain('store is down')
  })

  it('refuses users whose id cannot make a gateway key (500, with a clear log line)', async () => {
    h = await startHarness()
    const cookie = await h.login({ id: 'x'.repeat(300) })
    expect(await h.upgradeStatus(cookie)).toBe(500)
    expect(h.capture.logs.join('\n')).toContain("the user's id is 300 UTF-8 bytes; at most 266")
  })

  it('answers 429 past connectionsPerUser (before any WebSocket exists), and no one else; a freed slot is a slot again', async () => {
    h = await startHarness({ proxy: { limits: { connectionsPerUser: 2 } } })
    const cookie = await h.login({ id: 'alice' })
    const first = await h.open(cookie)
    await h.open(cookie)
    expect(await h.upgradeStatus(cookie)).toBe(429)
    expect(
      h.capture.audit.some(
        (l) => l.includes('"upgrade.refused"') && l.includes('"status":429') && l.includes('"userId":"alice"'),
      ),
    ).toBe(true)
    const bob = await h.login({ id: 'bob' })
    expect(await h.upgradeStatus(bob)).toBe(101)
    await first.close()
    await waitFor(() => h!.proxy.stats().connections === 1, 5000, 'the closed slot to free')
    const again = await h.open(cookie)
    await again.waitForEvent('connect.challenge')
    expect(again.closed).toBeNull()
  })

  it('holds connectionsPerUser against a burst of simultaneous upgrades', async () => {
    h = await startHarness({ proxy: { limits: { connectionsPerUser: 3 } } })
    const cookie = await h.login({ id: 'alice' })
    const settled = await Promise.allSettled(Array.from({ length: 8 }, () => h!.open(cookie)))
    const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const refused = settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
    // A socket accepted past the limit is closed at once, before it answers anything: each socket
    // either closes or answers a request.
    await Promise.all(
      opened.map((c) => Promise.race([c.closedPromise, c.request('chat.history', {}).catch(() => undefined)])),
    )
    const kept = opened.filter((c) => c.closed === null)
    expect(kept).toHaveLength(3)
    // Past the limit: HTTP 429 before the upgrade (or, should an upgrade complete late, close 4429).
    for (const reason of refused) expect(reason).toMatch(/upgrade refused: 429/)
    for (const c of opened.filter((c) => c.closed)) expect(c.closed?.code).toBe(4429)
    expect(refused.length + opened.length).toBe(8)
    expect(h.proxy.stats().connections).toBe(3)
  })

  it('leaves upgrades for other paths to other handlers', async () => {
    h = await startHarness()
    const other = new WebSocketServer({ noServer: true })
    h.server.on('upgrade', (req, socket, head) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('other handler'))
    })
    const ws = new WebSocket(h.baseUrl.replace('http', 'ws') + '/other')
    const message = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(data.toString()))
      ws.once('error', reject)
    })
    expect(message).toBe('other handler')
    ws.close()
    other.close()
    expect(h.proxy.handleUpgrade({ url: '/elsewhere', headers: {} } as never, null as never, Buffer.alloc(0))).toBe(
      false,
    )
  })
})

describe('GET /clawchat/session', () => {
  it('answers 200 with the clawchat.session payload, 401 without a user', async () => {
    h = await startHarness()
    const anonymous = await fetch(`${h.baseUrl}/clawchat/session`)
    expect(anonymous.status).toBe(401)
    const cookie = await h.login({ id: 'alice', name: 'Alice' })
    const res = await fetch(`${h.baseUrl}/clawchat/session`, { headers: { cookie } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { limits: { maxPayload: number } }
    expect(body).toMatchObject({
      user: { id: 'alice', name: 'Alice', role: 'user' },
      sessionKey: 'main',
      methods: [...USER_METHODS],
    })
    expect(body.limits.maxPayload).toBeGreaterThan(0)
    const other = await fetch(`${h.baseUrl}/clawchat/other`)
    expect(other.status).toBe(404)
  })

  it('works when mounted after the session middleware too, and leaves other routes alone', async () => {
    const store = new session.MemoryStore()
    const sessionMiddleware = session({ secret: 'x', resave: false, saveUninitialized: false, store })
    const app = express()
    app.use(sessionMiddleware)
    const tmp = mkdtempSync(join(tmpdir(), 'clawchat-upgrade-'))
    const proxy = clawchatProxy({
      gateway: { url: 'ws://127.0.0.1:9', token: 'tok-unused-here', identityPath: join(tmp, 'identity.json') },
      session: sessionMiddleware,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    })
    app.use(proxy)
    app.get('/login', (req, res) => {
      ;(req.session as unknown as { user: unknown }).user = { id: 'carol' }
      res.send('ok')
    })
    const server = createServer(app)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const login = await fetch(`${base}/login`)
      expect(await login.text()).toBe('ok')
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string
      const res = await fetch(`${base}/clawchat/session`, { headers: { cookie } })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { user: { id: string } }).user.id).toBe('carol')
    } finally {
      await proxy.close()
      await new Promise<void>((r) => server.close(() => r()))
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})
