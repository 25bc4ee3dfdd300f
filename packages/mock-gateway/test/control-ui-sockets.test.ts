import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { GATEWAY_BUILD_ID } from '../src/fixtures/gateway-identity.js'
import { Harness, TOKEN } from './helpers/harness.js'
import { makeDevice, signedDevice } from './helpers/device.js'
import { connectParams, RawClient } from './helpers/raw-client.js'

/** Upgrades under the Control UI's base path: the main socket, echo sockets, records, the console's connect. */
const h = new Harness()
afterEach(() => h.cleanup())

const BASE = '/clawchat/control'
const SIX = [
  'operator.admin',
  'operator.read',
  'operator.write',
  'operator.approvals',
  'operator.questions',
  'operator.pairing',
]

/** Opens a plain `ws` socket; resolves with it once open, or with the HTTP status that refused it. */
function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  const ws = new WebSocket(url, { headers })
  h.onCleanup(() => ws.terminate())
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket): Promise<{ data: string; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: String(data), isBinary })))
}

describe('echo sockets below the base path (stand-ins for the secondary sockets)', () => {
  it('with the bearer: accepted, echoes text as text and binary as binary; recorded as authorized', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const ws = await openSocket(`${gw.url}${BASE}/browser/screencast?id=1`, { authorization: `Bearer ${TOKEN}` })
    if (typeof ws === 'number') throw new Error(`refused ${ws}`)
    const text = nextMessage(ws)
    ws.send('hello')
    expect(await text).toEqual({ data: 'hello', isBinary: false })
    const binary = nextMessage(ws)
    ws.send(Buffer.from('bytes'))
    expect(await binary).toEqual({ data: 'bytes', isBinary: true })
    expect(gw.upgradeRequests()).toEqual([
      { path: `${BASE}/browser/screencast?id=1`, origin: undefined, authorized: true, hadCookie: false },
    ])
  })

  it('without the bearer (or with a wrong one): 401, recorded with the cookie and origin it carried', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const origin = gw.url.replace(/^ws:/, 'http:')
    expect(await openSocket(`${gw.url}${BASE}/desktop`, { cookie: 'sid=1', origin })).toBe(401)
    expect(await openSocket(`${gw.url}${BASE}/desktop`, { authorization: 'Bearer wrong' })).toBe(401)
    expect(gw.upgradeRequests()).toEqual([
      { path: `${BASE}/desktop`, origin, authorized: false, hadCookie: true },
      { path: `${BASE}/desktop`, origin: undefined, authorized: false, hadCookie: false },
    ])
  })

  it('are closed 1012 when the gateway closes', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const ws = await openSocket(`${gw.url}${BASE}/audio`, { authorization: `Bearer ${TOKEN}` })
    if (typeof ws === 'number') throw new Error(`refused ${ws}`)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await gw.close()
    expect(await closed).toBe(1012)
  })

  it('the base path itself (with or without "/") and paths outside it are the gateway socket', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    for (const path of [BASE, `${BASE}/`, '', '/other']) {
      const c = await RawClient.open(`${gw.url}${path}`)
      h.onCleanup(() => c.terminate())
      expect((await c.challenge()).payload.nonce, path).toEqual(expect.any(String))
    }
    expect(gw.upgradeRequests().map((r) => r.authorized)).toEqual([false, false, false, false])
  })

  it('with the stand-in off, every path is the gateway socket as before', async () => {
    const gw = await h.gateway()
    const c = await RawClient.open(`${gw.url}${BASE}/desktop`)
    h.onCleanup(() => c.terminate())
    expect((await c.challenge()).event).toBe('connect.challenge')
  })
})

/** Connects as the console does: openclaw-control-ui/webchat, signed device, the six scopes. */
async function consoleConnect(c: RawClient, p: { token?: string; buildId?: string }) {
  const challenge = await c.challenge()
  const device = signedDevice(makeDevice(), {
    nonce: challenge.payload.nonce,
    signedAt: challenge.payload.ts,
    clientId: 'openclaw-control-ui',
    mode: 'webchat',
    scopes: SIX,
    ...(p.token ? { token: p.token } : {}),
  })
  const params = connectParams({
    token: p.token ?? null,
    clientId: 'openclaw-control-ui',
    mode: 'webchat',
    scopes: SIX,
  })
  const client = { ...(params.client as object), ...(p.buildId ? { buildId: p.buildId } : {}) }
  return c.request('connect', { ...params, client, device }, '1')
}

describe('the console connect (openclaw-control-ui/webchat, device-signed) on the main socket', () => {
  it("with the gateway's own Origin and build: hello-ok with the six scopes and auth.deviceToken", async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const c = await RawClient.open(`${gw.url}${BASE}`, { origin: gw.url.replace(/^ws:/, 'http:') })
    h.onCleanup(() => c.terminate())
    const res = await consoleConnect(c, { token: TOKEN, buildId: GATEWAY_BUILD_ID })
    expect(res.ok).toBe(true)
    expect(res.payload.type).toBe('hello-ok')
    expect(res.payload.server.buildId).toBe(GATEWAY_BUILD_ID)
    expect(res.payload.auth).toMatchObject({ role: 'operator', scopes: SIX, deviceToken: expect.any(String) })
    expect(res.payload.auth.deviceToken).not.toBe(TOKEN)
    expect(gw.connections()[0]).toMatchObject({ clientId: 'openclaw-control-ui', clientMode: 'webchat' })
  })

  it('a new device from loopback is approved without a token (no pairing step)', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const c = await RawClient.open(`${gw.url}${BASE}`, { origin: gw.url.replace(/^ws:/, 'http:') })
    h.onCleanup(() => c.terminate())
    const res = await consoleConnect(c, { buildId: GATEWAY_BUILD_ID })
    expect(res.payload.auth).toMatchObject({ scopes: SIX, deviceToken: expect.any(String) })
  })

  it('another build is told to reload; no Origin is refused as origin not allowed', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const stale = await RawClient.open(`${gw.url}${BASE}`, { origin: gw.url.replace(/^ws:/, 'http:') })
    h.onCleanup(() => stale.terminate())
    expect((await consoleConnect(stale, { token: TOKEN, buildId: '2026.9.5-release' })).error).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'protocol mismatch: Control UI updated; reload this page to continue',
    })
    const noOrigin = await RawClient.open(`${gw.url}${BASE}`)
    h.onCleanup(() => noOrigin.terminate())
    expect((await consoleConnect(noOrigin, { token: TOKEN, buildId: GATEWAY_BUILD_ID })).error.details).toMatchObject({
      code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED',
    })
  })
})
