// What ClawChat's console (issue 21) assumes of the real gateway's Control UI (openclaw 2026.9.6,
// `gateway.controlUi.basePath: "/clawchat/control"`): the base path is served (page public, config
// endpoint behind the bearer), forwarding headers are refused, a control-ui connect needs the
// gateway's own Origin, the page's build id and a device (then hello-ok carries a device token and a
// new device is paired silently on loopback), a bearer header does not authenticate a socket, the
// secondary sockets live at the gateway's root, and the real UI (Chromium, no token) sends the
// connect the console rebuilds. One gateway for the file. What it measured goes to
// e2e/artifacts/real-gateway/control-ui-facts.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.js'
import {
  CONSOLE_SCOPES,
  CONTROL_UI_BASE_PATH as BASE,
  CONTROL_UI_CONFIG,
  controlUiConnect,
  upgradeOutcome,
} from './control-ui-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import type { RawWs } from './raw-ws.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const measured: Record<string, unknown> = {}
let model: FakeModel
let gateway: RealGateway
let origin: string
/** The page's build id attribute and the short form the UI sends (the attribute minus its asset hash). */
let htmlBuildId = ''
let buildId = ''
const sockets: RawWs[] = []

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}${path}`, { headers, redirect: 'manual' })
const bearer = () => ({ authorization: `Bearer ${gateway.token}` })

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, extraConfig: CONTROL_UI_CONFIG })
  origin = `http://127.0.0.1:${gateway.port}`
  console.log(`[control-ui facts] real gateway started in ${gateway.startMs} ms`)
}, 240_000)

afterAll(async () => {
  for (const s of sockets) s.terminate()
  mkdirSync(ARTIFACTS, { recursive: true })
  writeFileSync(`${ARTIFACTS}control-ui-facts.json`, `${JSON.stringify(measured, null, 1)}\n`)
  await gateway?.stop()
  await model?.stop()
})

describe('HTTP under the base path', () => {
  it('serves the page publicly with its base path and build id, and redirects the bare prefix', async () => {
    const page = await get(`${BASE}/`)
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain(`data-openclaw-control-ui-base-path="${BASE}"`)
    htmlBuildId = /data-openclaw-control-ui-build-id="([^"]+)"/.exec(html)?.[1] ?? ''
    buildId = htmlBuildId.replace(/-[0-9a-f]{64}$/, '')
    expect(buildId).toMatch(/^2026\.9\.6-/)
    expect(htmlBuildId.length).toBeGreaterThan(96)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('content-security-policy')).toMatch(/connect-src 'self' ws: wss:/)
    const bare = await get(`${BASE}?a=1`)
    expect([bare.status, bare.headers.get('location')]).toEqual([302, `${BASE}/?a=1`])
    for (const rootPath of ['/', '/control-ui-config.json', '/avatar/main?meta=1'])
      expect((await get(rootPath, bearer())).status, rootPath).toBe(404)
    measured.page = { htmlBuildId, buildId, csp: page.headers.get('content-security-policy') }
  })

  it('answers control-ui-config.json 401 without the bearer and 200 with its basePath (no token) with it', async () => {
    const anon = await get(`${BASE}/control-ui-config.json`)
    expect(anon.status).toBe(401)
    expect(await anon.json()).toEqual({ error: { message: 'Unauthorized', type: 'unauthorized' } })
    const ok = await get(`${BASE}/control-ui-config.json`, bearer())
    const text = await ok.text()
    expect(ok.status).toBe(200)
    expect(JSON.parse(text)).toMatchObject({ basePath: BASE, serverVersion: '2026.9.6' })
    expect(text).not.toContain(gateway.token)
    expect((await get(`${BASE}/avatar/main?meta=1`)).status).toBe(401)
    expect((await get(`${BASE}/avatar/main?meta=1`, bearer())).status).toBe(200)
    measured.config = JSON.parse(text)
  })

  it('refuses any forwarding header with 403 proxy_attribution_required, even with the bearer', async () => {
    const refused: Record<string, number> = {}
    for (const h of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto']) {
      const value = h === 'forwarded' ? 'for=127.0.0.1' : h === 'x-forwarded-proto' ? 'https' : '127.0.0.1'
      const res = await get(`${BASE}/control-ui-config.json`, { ...bearer(), [h]: value })
      refused[h] = res.status
      expect(res.status, h).toBe(403)
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('proxy_attribution_required')
    }
    expect((await get(`${BASE}/`, { via: '1.1 app' })).status).toBe(200)
    measured.forwardingHeaders = refused
  })
})

describe('a control-ui connect', () => {
  const connect = async (opts: Partial<Parameters<typeof controlUiConnect>[0]>) => {
    const c = await controlUiConnect({ gatewayOrigin: origin, token: gateway.token, buildId, ...opts })
    sockets.push(c.ws)
    return c
  }

  it('without an Origin, or from a foreign one, is refused CONTROL_UI_ORIGIN_NOT_ALLOWED', async () => {
    for (const o of [null, 'https://app.example.com']) {
      const { hello } = await connect({ origin: o })
      expect(hello.ok, String(o)).toBe(false)
      expect(hello.error).toMatchObject({ code: 'INVALID_REQUEST', details: { code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED' } })
      expect(hello.error.message).toMatch(/^origin not allowed/)
    }
  })

  it("with the gateway's own Origin but no or another build id gets protocol mismatch; the html form is too long", async () => {
    for (const b of [null, '2026.9.5-release-0']) {
      const { hello } = await connect({ buildId: b })
      expect(hello.error, String(b)).toMatchObject({
        code: 'UNAVAILABLE',
        message: 'protocol mismatch: Control UI updated; reload this page to continue',
        details: { code: 'PROTOCOL_MISMATCH', gatewayBuildId: buildId, reloadRequired: true },
      })
    }
    const long = await connect({ buildId: htmlBuildId })
    expect(long.hello.error.message).toBe(
      'invalid connect params: at /client/buildId: must not have more than 96 characters',
    )
  })

  it('without a device is refused CONTROL_UI_DEVICE_IDENTITY_REQUIRED', async () => {
    const { hello } = await connect({ device: null })
    expect(hello.error.details).toEqual({ code: 'CONTROL_UI_DEVICE_IDENTITY_REQUIRED' })
  })

  it('with the right build id: hello-ok with auth.deviceToken, and the new device is paired silently', async () => {
    const { ws, hello, device } = await connect({})
    expect(hello.ok).toBe(true)
    expect(hello.payload.server.buildId).toBe(buildId)
    expect(hello.payload.auth).toMatchObject({ method: 'token', role: 'operator' })
    expect([...hello.payload.auth.scopes].sort()).toEqual([...CONSOLE_SCOPES].sort())
    expect(hello.payload.auth.deviceToken).toMatch(/^\S{20,}$/)
    const pairs = await ws.request('device.pair.list', {})
    const mine = (pairs.payload.paired as Array<Record<string, unknown>>).find((p) => p.deviceId === device?.id)
    expect(mine).toMatchObject({ clientId: 'openclaw-control-ui', clientMode: 'webchat', approvedVia: 'silent' })
    expect(pairs.payload.pending).toEqual([])
    measured.helloOkKeys = Object.keys(hello.payload).sort()
    measured.helloAuthKeys = Object.keys(hello.payload.auth).sort()
    measured.pairedRecord = { ...mine, publicKey: '<key>' }
  })

  it('is not authenticated by an Authorization: Bearer header on the upgrade', async () => {
    const { hello } = await connect({ token: undefined, headers: bearer() })
    expect(hello.error.details).toMatchObject({ code: 'AUTH_TOKEN_MISSING' })
  })
})

describe('socket paths', () => {
  it('takes the main socket on any path; the secondary sockets exist only at the root', async () => {
    const ws = origin.replace(/^http/, 'ws')
    const challenge = { first: expect.objectContaining({ event: 'connect.challenge' }) }
    for (const p of [BASE, `${BASE}/`, `${BASE}/anything`, `${BASE}/browser/screencast?token=x`])
      expect(await upgradeOutcome(`${ws}${p}`, { origin }), p).toEqual(challenge)
    for (const p of ['/browser/screencast?token=x', '/desktop/observe?token=x'])
      expect(await upgradeOutcome(`${ws}${p}`, { origin }), p).toEqual({ status: 401 })
    expect(await upgradeOutcome(`${ws}${BASE}`, { origin, 'x-forwarded-for': '127.0.0.1' })).toEqual({ status: 403 })
  })
})

describe('the real UI in Chromium, no token', () => {
  let browser: Browser
  afterAll(async () => browser?.close())

  it('fetches only under the base path, opens one socket at it and sends the connect the console rebuilds', async () => {
    browser = await launchChromium()
    const page = await browser.newPage()
    const urls: string[] = []
    const sent: string[] = []
    const socketUrls: string[] = []
    page.on('request', (r) => urls.push(new URL(r.url()).pathname))
    page.on('websocket', (w) => {
      socketUrls.push(w.url())
      w.on('framesent', (f) => sent.push(String(f.payload)))
    })
    await page.goto(`${origin}${BASE}/`)
    await page.getByText('This Gateway expects its token').waitFor({ timeout: 60_000 })
    const connect = JSON.parse(sent.find((s) => s.includes('"connect"')) ?? '{}') as Record<string, any>
    expect(socketUrls).toEqual([`${origin.replace(/^http/, 'ws')}${BASE}`])
    expect(urls.filter((u) => !u.startsWith(`${BASE}/`))).toEqual([])
    expect(connect.params.client).toMatchObject({ id: 'openclaw-control-ui', mode: 'webchat', buildId })
    expect(connect.params.scopes).toEqual([...CONSOLE_SCOPES])
    expect(connect.params.auth).toBeUndefined()
    expect(connect.params.device).toMatchObject({ id: expect.any(String), signature: expect.any(String) })
    measured.uiConnect = { ...connect, params: { ...connect.params, device: '<its own>' } }
    measured.uiFetchedPaths = [...new Set(urls.map((u) => u.replace(/-[\w-]{8}\.(js|css)$/, '-*.$1')))].sort()
  })
})
