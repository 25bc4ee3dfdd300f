// Issue 21 on the real gateway: OpenClaw's own Control UI (the real bundle of 2026.9.6, basePath
// "/clawchat/control") served by `clawchatProxy({ controlUi })` to an admin signed in to the app, in
// Chromium: it loads and connects with no token form, lists the gateway's sessions (alice's ClawChat
// session, made through the relay, included) and runs a chat with the fake model; the gateway token
// and the console device's token are in nothing the browser received or kept, nor in the app's log;
// a user without the role gets 403, no session 401; logout closes the console's socket. With
// `rootSockets` (default), the browser panel's live view — a socket at the gateway's ROOT
// (`/browser/screencast?token=<one-time>`) — is opened at the app's root and piped by ClawChat.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, WebSocket as PageWebSocket } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClawChat } from '@clawchat/client'
import { base32Encode } from '../../packages/server/src/isolation/session-keys.js'
import { launchChromium, recordTraffic, type PageTraffic } from './browser.js'
import { CONTROL_UI_BASE_PATH as BASE, CONTROL_UI_CONFIG, consoleThroughApp } from './control-ui-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { RawWs } from './raw-ws.js'
import { sdkClient } from './sdk-client.js'
import { collectStream, findSecret } from './sdk-helpers.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const ALICE_ROW = `clawchat:${base32Encode('alice')}:main`
let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
let browser: Browser
let alice: ClawChat | undefined

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  // The gateway's own browser (for the live view): the system Chromium, headless, no sandbox (runs as root).
  const browserConfig = { browser: { executablePath: '/usr/bin/chromium', noSandbox: true, headless: true } }
  gateway = await startRealGateway({
    modelServerUrl: model.baseUrl,
    extraConfig: { ...CONTROL_UI_CONFIG, ...browserConfig },
  })
  console.log(`[control-ui] real gateway started in ${gateway.startMs} ms`)
  app = await startProxyApp({
    gatewayUrl: gateway.url,
    token: gateway.token,
    proxy: { controlUi: { path: BASE }, sessionCheckIntervalMs: 1000 },
  })
  await app.waitForLinkUp()
  alice = sdkClient(app.wsUrl, await app.login({ id: 'alice' }), { frames: [], http: [] })
  await alice.ready
  const final = (await collectStream(alice.stream('hello from alice', { sessionKey: 'main' }))).at(-1)
  expect(final?.state).toBe('final')
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  alice?.close()
  await browser?.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

/** A context signed in to the app as `user` (the cookie in the browser's jar, like a real login). */
// Service workers blocked: the UI registers one under the path (it caches assets, network-first for the
// rest), and Playwright cannot read the bodies of the answers it hands the page, so the token check
// could not see them; without it every answer comes from the network and is recorded.
async function signedIn(user: { id: string; role?: 'admin' | 'user' }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' })
  const res = await context.request.post(`${app.baseUrl}/login`, { data: user })
  expect(res.ok()).toBe(true)
  return context
}

/** Polls `check` every 50 ms for up to 15 s. */
async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('an admin opens the Control UI through ClawChat', () => {
  let context: BrowserContext
  let traffic: PageTraffic
  const consoleSockets: PageWebSocket[] = []

  it('loads, connects without a token form, shows alice’s ClawChat session and runs a chat', async () => {
    context = await signedIn({ id: 'root', role: 'admin' })
    traffic = recordTraffic(context)
    const page = await context.newPage()
    page.on('websocket', (ws) => consoleSockets.push(ws))
    const loaded = await page.goto(`${app.baseUrl}${BASE}/`)
    expect(loaded?.status()).toBe(200)
    await page.getByText(ALICE_ROW).first().waitFor({ timeout: 60_000 })
    expect(await page.getByText('This Gateway expects its token').count()).toBe(0)
    expect(consoleSockets[0]?.url()).toBe(`${app.baseUrl.replace(/^http/, 'ws')}${BASE}`)

    const box = page.getByPlaceholder('Message Assistant')
    await box.fill('hello from the console')
    await box.press('Enter')
    await page.getByText(fakeModelReply('hello from the console')).first().waitFor({ timeout: 90_000 })
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}control-ui.png` })
    expect(model.chatRequests().some((r) => r.userText === 'hello from the console')).toBe(true)
  })

  it('received and kept neither the gateway token nor a device token; the app logged neither', async () => {
    const page = context.pages()[0]!
    await traffic.settle()
    const storage = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage } }))
    const cookies = JSON.stringify(await context.cookies())
    expect(traffic.http.length).toBeGreaterThan(20)
    // Bodies Chromium would not hand over (fetches the page dropped unread, e.g. a 404 avatar): asked again.
    const again = await Promise.all(
      traffic.unreadable.map(async (line) => {
        const [method, url] = line.split(' ')
        if (method !== 'GET') throw new Error(`an unreadable answer to ${line}`)
        const res = await context.request.get(url!)
        return `${line}\n${JSON.stringify(res.headers())}\n${await res.text()}`
      }),
    )
    expect(findSecret([...traffic.http, ...again], gateway.token)).toEqual([])
    expect(findSecret([...traffic.wsReceived, ...traffic.wsSent], gateway.token)).toEqual([])
    expect(findSecret([storage, cookies], gateway.token)).toEqual([])
    expect(findSecret([...app.captured.logs, ...app.captured.audit], gateway.token)).toEqual([])
    const hello = traffic.wsReceived.find((f) => f.includes('"hello-ok"')) ?? ''
    expect(hello).toContain('"auth"')
    expect(traffic.wsReceived.filter((f) => f.includes('deviceToken'))).toEqual([])
    expect(storage).not.toContain('openclaw.device.auth')
    expect(storage).not.toContain('openclaw.control.token')
  })

  it("audits the admin's requests by method, without their text", () => {
    const audit = app.captured.audit.map((line) => JSON.parse(line) as Record<string, unknown>)
    const requests = audit.filter((a) => a.event === 'control-ui.request' && a.userId === 'root')
    expect(requests.map((a) => a.method)).toEqual(expect.arrayContaining(['sessions.list', 'chat.send']))
    expect(audit.some((a) => a.event === 'control-ui.open' && a.userId === 'root')).toBe(true)
    expect(app.captured.audit.join('\n')).not.toContain('hello from the console')
  })

  it('logout closes the console socket', async () => {
    const main = consoleSockets[0]!
    expect(main.isClosed()).toBe(false)
    const closed = main.waitForEvent('close', { timeout: 15_000 })
    expect((await context.request.post(`${app.baseUrl}/logout`)).ok()).toBe(true)
    await closed
    await waitUntil(() => app.proxy.stats().controlUi.connections === 0, 'no console socket left')
    const res = await context.request.get(`${app.baseUrl}${BASE}/control-ui-config.json`)
    expect(res.status()).toBe(401)
    await context.close()
  })
})

describe("the browser panel's live view through ClawChat (controlUi.rootSockets)", () => {
  it('an admin opens the screencast wsPath at the app: piped to the gateway, ready then JPEG frames', async () => {
    const started = Date.now()
    const cookie = await app.login({ id: 'root', role: 'admin' })
    const { ws, hello } = await consoleThroughApp(app.baseUrl, cookie)
    expect(hello.ok).toBe(true)
    const browserRequest = async (method: string, path: string, body?: unknown) => {
      const res = await ws.request('browser.request', { method, path, body }, { timeoutMs: 60_000 })
      if (!res.ok) throw new Error(`browser.request ${method} ${path}: ${JSON.stringify(res.error)}`)
      return res.payload as Record<string, any>
    }
    try {
      await browserRequest('POST', '/start')
      const browserStartMs = Date.now() - started
      const tab = await browserRequest('POST', '/tabs/open', { url: 'about:blank' })
      const cast = await browserRequest('POST', '/screencast', { targetId: tab.suggestedTargetId ?? tab.targetId })
      expect(cast.wsPath).toMatch(/^\/browser\/screencast\?token=[0-9a-f]{48}$/)
      const viewerUrl = `${app.baseUrl.replace(/^http/, 'ws')}${cast.wsPath}`
      // Without a session ClawChat refuses it itself: the one-time token does not reach (or spend) it.
      await expect(RawWs.open(viewerUrl, { headers: { origin: app.baseUrl } })).rejects.toThrow('HTTP 401')
      const viewer = await RawWs.open(viewerUrl, { headers: { cookie, origin: app.baseUrl } })
      const binary = new Promise<Buffer>((resolve) =>
        viewer.ws.on('message', (data, isBinary) => isBinary && resolve(data as Buffer)),
      )
      const ready = await viewer.waitFor((f) => f.type === 'ready', 20_000, 'the screencast ready frame')
      expect(ready).toMatchObject({ type: 'ready', targetId: cast.targetId, url: 'about:blank' })
      const frame = await Promise.race([binary, new Promise<null>((r) => setTimeout(() => r(null), 15_000))])
      expect(frame, 'a binary frame within 15 s').not.toBeNull()
      const headerLength = frame!.readUInt32BE(0)
      expect(JSON.parse(frame!.subarray(4, 4 + headerLength).toString())).toHaveProperty('cssWidth')
      expect(frame!.subarray(4 + headerLength, 6 + headerLength)).toEqual(Buffer.from([0xff, 0xd8])) // JPEG
      expect(app.proxy.stats().controlUi).toEqual({ connections: 2, users: 1 })
      // The token is spent: the gateway's own 401 reaches the browser through ClawChat as it is.
      await expect(RawWs.open(viewerUrl, { headers: { cookie, origin: app.baseUrl } })).rejects.toThrow('HTTP 401')
      const audit = app.captured.audit.map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(audit).toContainEqual(
        expect.objectContaining({ event: 'control-ui.open', userId: 'root', path: '/browser/screencast' }),
      )
      expect(findSecret([...app.captured.logs, ...app.captured.audit], cast.token)).toEqual([])
      console.log(`[control-ui] browser started in ${browserStartMs} ms; live view in ${Date.now() - started} ms`)
      viewer.terminate()
    } finally {
      await browserRequest('POST', '/stop').catch(() => undefined)
      ws.terminate()
    }
    await waitUntil(() => app.proxy.stats().controlUi.connections === 0, 'no console socket left')
  })
})

describe('everyone else', () => {
  const upgrade = async (cookie?: string) => {
    const headers: Record<string, string> = { origin: app.baseUrl, ...(cookie ? { cookie } : {}) }
    return RawWs.open(`${app.baseUrl.replace(/^http/, 'ws')}${BASE}`, { headers }).then(
      (ws) => (ws.terminate(), 'opened'),
      (err: Error) => err.message,
    )
  }

  it('a signed-in user without the admin role gets 403 on the page and the socket', async () => {
    const bob = await signedIn({ id: 'bob', role: 'user' })
    const page = await bob.newPage()
    expect((await page.goto(`${app.baseUrl}${BASE}/`))?.status()).toBe(403)
    expect(await upgrade(await app.login({ id: 'bob', role: 'user' }))).toBe('upgrade refused: HTTP 403')
    await bob.close()
  })

  it('no session: 401 on the page, the config and the socket', async () => {
    expect((await fetch(`${app.baseUrl}${BASE}/`)).status).toBe(401)
    expect((await fetch(`${app.baseUrl}${BASE}/control-ui-config.json`)).status).toBe(401)
    expect(await upgrade()).toBe('upgrade refused: HTTP 401')
  })
})
