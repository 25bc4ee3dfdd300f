import { afterEach, describe, expect, it } from 'vitest'
import { CONTROL_UI_PAGE_BUILD_ID } from '../src/control-ui/control-ui-page.js'
import { GATEWAY_BUILD_ID } from '../src/fixtures/gateway-identity.js'
import { Harness, TOKEN } from './helpers/harness.js'
import { makeDevice, signedDevice } from './helpers/device.js'
import { connectParams, RawClient } from './helpers/raw-client.js'

/** Upgrades on any path (all the gateway's own socket), their records, and the console's connect. */
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

describe('every upgrade path is the gateway socket, like the real one (under the base path or not)', () => {
  // Measured on openclaw 2026.9.6: the gateway answers its main socket on ANY path; its secondary
  // sockets (browser screencast, desktop viewer) live at the ROOT with a one-time token in the query.
  const PATHS = [
    BASE,
    `${BASE}/`,
    `${BASE}?x=1`,
    `${BASE}/x`,
    `${BASE}/browser/screencast?token=abc`,
    '/browser/screencast?token=abc',
    '/desktop/observe?token=abc',
    '',
    '/other',
  ]

  it('each answers connect.challenge; each upgrade is recorded with its path, origin, bearer, cookie', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const origin = gw.url.replace(/^ws:/, 'http:')
    for (const path of PATHS) {
      const c = await RawClient.open(`${gw.url}${path}`, { origin, headers: { cookie: 'sid=1' } })
      h.onCleanup(() => c.terminate())
      expect((await c.challenge()).payload.nonce, path).toEqual(expect.any(String))
    }
    const withBearer = await RawClient.open(`${gw.url}${BASE}/desktop`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    h.onCleanup(() => withBearer.terminate())
    expect((await withBearer.challenge()).event).toBe('connect.challenge')
    expect(gw.upgradeRequests()).toEqual([
      ...PATHS.map((path) => ({ path: path || '/', origin, authorized: false, hadCookie: true })),
      { path: `${BASE}/desktop`, origin: undefined, authorized: true, hadCookie: false },
    ])
  })

  it('a bearer header on the upgrade authenticates nothing: a connect without auth is refused the same', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const refusal = async (headers: Record<string, string>) => {
      const c = await RawClient.open(`${gw.url}${BASE}/browser/screencast?token=abc`, { headers })
      h.onCleanup(() => c.terminate())
      await c.challenge()
      return c.request('connect', connectParams({ token: null }), '1')
    }
    const plain = await refusal({})
    const bearer = await refusal({ authorization: `Bearer ${TOKEN}` })
    expect(plain.ok).toBe(false)
    expect(bearer).toEqual(plain)
    expect(gw.connections().filter((c) => c.authenticated)).toEqual([])
  })

  it('with the stand-in off, every path is the gateway socket too', async () => {
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

  it('a signed device without the token is asked for the token, like the real page opened with nothing typed', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const c = await RawClient.open(`${gw.url}${BASE}`, { origin: gw.url.replace(/^ws:/, 'http:') })
    h.onCleanup(() => c.terminate())
    const res = await consoleConnect(c, { buildId: GATEWAY_BUILD_ID })
    expect(res.ok).toBe(false)
    expect(res.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^unauthorized: gateway token missing/),
      details: { code: 'AUTH_TOKEN_MISSING', canRetryWithDeviceToken: false },
    })
  })

  it("the page's long build id (with its asset hash) is refused like the real one: the short form is the build", async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const c = await RawClient.open(`${gw.url}${BASE}`, { origin: gw.url.replace(/^ws:/, 'http:') })
    h.onCleanup(() => c.terminate())
    expect(CONTROL_UI_PAGE_BUILD_ID.slice(0, GATEWAY_BUILD_ID.length + 1)).toBe(`${GATEWAY_BUILD_ID}-`)
    expect(CONTROL_UI_PAGE_BUILD_ID.slice(GATEWAY_BUILD_ID.length + 1)).toMatch(/^[0-9a-f]{64}$/)
    expect((await consoleConnect(c, { token: TOKEN, buildId: CONTROL_UI_PAGE_BUILD_ID })).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'invalid connect params: at /client/buildId: must not have more than 96 characters',
    })
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
