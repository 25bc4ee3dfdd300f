import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { startMockGateway } from '../src/index.js'
import { GATEWAY_BUILD_ID } from '../src/fixtures/gateway-identity.js'
import { Harness, TOKEN } from './helpers/harness.js'

/** The Control UI stand-in's plain HTTP side: page, config (bearer only), assets, 404s, 426 outside, records. */
const h = new Harness()
afterEach(() => h.cleanup())

const BASE = '/clawchat/control'

async function uiGateway() {
  const gw = await h.gateway({ controlUi: { basePath: BASE } })
  const origin = gw.url.replace(/^ws:/, 'http:')
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, { headers, redirect: 'manual' })
  return { gw, origin, get }
}

describe('the stand-in page', () => {
  it('serves the page at <basePath>/ with the base path, build id, script and the real security headers', async () => {
    const { get } = await uiGateway()
    const res = await get(`${BASE}/`, { accept: 'text/html' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self' ws: wss:")
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const html = await res.text()
    expect(html).toContain(`data-openclaw-control-ui-base-path="${BASE}"`)
    // The long form, like the real page: the gateway's build, then a 64-hex asset hash.
    expect(html).toMatch(/data-openclaw-control-ui-build-id="([^"]+)-[0-9a-f]{64}"/)
    expect(/data-openclaw-control-ui-build-id="([^"]+)-[0-9a-f]{64}"/.exec(html)?.[1]).toBe(GATEWAY_BUILD_ID)
    expect(html).toContain(`<script type="module" src="${BASE}/assets/mock-control-ui.js"></script>`)
    for (const id of ['status', 'assistant-name', 'sessions', 'message', 'send', 'reply'])
      expect(html).toContain(`id="${id}"`)
    expect(html).not.toContain(TOKEN)
  })

  it('redirects <basePath> to <basePath>/ keeping the query, like the real gateway', async () => {
    const { get } = await uiGateway()
    const res = await get(`${BASE}?session=x`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${BASE}/?session=x`)
  })

  it('serves the page for HTML routes below the base path, 404 for files and non-HTML requests', async () => {
    const { get } = await uiGateway()
    expect((await get(`${BASE}/chat/agent:main:main`, { accept: 'text/html,*/*' })).status).toBe(200)
    expect((await get(`${BASE}/chat`, { accept: 'application/json' })).status).toBe(404)
    expect((await get(`${BASE}/assets/other.js`, { accept: 'text/html' })).status).toBe(404)
    expect((await get(`${BASE}/logo.png`, { accept: 'text/html' })).status).toBe(404)
  })

  it('answers 404 to methods other than GET and HEAD below the base path', async () => {
    const { origin } = await uiGateway()
    const res = await fetch(`${origin}${BASE}/`, { method: 'POST', body: 'x' })
    expect(res.status).toBe(404)
  })

  it('serves the stand-in app as JavaScript that parses as an ES module, and the favicon', async () => {
    const { get } = await uiGateway()
    const js = await get(`${BASE}/assets/mock-control-ui.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const source = await js.text()
    expect(source).toContain("'openclaw-control-ui'")
    const dir = await mkdtemp(join(tmpdir(), 'mock-control-ui-'))
    try {
      await writeFile(join(dir, 'app.mjs'), source)
      await expect(promisify(execFile)(process.execPath, ['--check', join(dir, 'app.mjs')])).resolves.toBeDefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    const icon = await get(`${BASE}/favicon.svg`)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(await icon.text()).toContain('<svg')
  })
})

describe('control-ui-config.json', () => {
  it('is 401 without the bearer or with a wrong one', async () => {
    const { get } = await uiGateway()
    expect((await get(`${BASE}/control-ui-config.json`)).status).toBe(401)
    expect((await get(`${BASE}/control-ui-config.json`, { authorization: 'Bearer nope' })).status).toBe(401)
    expect((await get(`${BASE}/control-ui-config.json`, { authorization: TOKEN })).status).toBe(401)
  })

  it('with the bearer: the recorded shape, the base path, and no token', async () => {
    const { get } = await uiGateway()
    const res = await get(`${BASE}/control-ui-config.json`, { authorization: `Bearer ${TOKEN}` })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const text = await res.text()
    expect(text).not.toContain(TOKEN)
    expect(JSON.parse(text)).toMatchObject({
      basePath: BASE,
      assistantName: 'Assistant',
      serverVersion: '2026.9.6',
      serverBuildId: GATEWAY_BUILD_ID,
    })
  })
})

describe('plain HTTP outside the base path, and with the stand-in off', () => {
  it('stays 426 outside the base path (also on a path that only starts like it)', async () => {
    const { get } = await uiGateway()
    for (const path of ['/', '/control-ui-config.json', `${BASE}x/`, '/clawchat'])
      expect((await get(path, { accept: 'text/html' })).status, path).toBe(426)
  })

  it('is 426 everywhere when controlUi is off (the default)', async () => {
    const gw = await h.gateway()
    const res = await fetch(`${gw.url.replace(/^ws:/, 'http:')}${BASE}/`, { headers: { accept: 'text/html' } })
    expect(res.status).toBe(426)
  })
})

describe('gateway.httpRequests()', () => {
  it('records path, origin, whether the bearer and a cookie came, on every path', async () => {
    const { gw, origin, get } = await uiGateway()
    await get(`${BASE}/control-ui-config.json?x=1`, { authorization: `Bearer ${TOKEN}`, origin })
    await get(`${BASE}/`, { cookie: 'sid=1', accept: 'text/html' })
    await get('/elsewhere')
    expect(gw.httpRequests()).toEqual([
      { path: `${BASE}/control-ui-config.json?x=1`, origin, authorized: true, hadCookie: false },
      { path: `${BASE}/`, origin: undefined, authorized: false, hadCookie: true },
      { path: '/elsewhere', origin: undefined, authorized: false, hadCookie: false },
    ])
    expect(JSON.stringify(gw.httpRequests())).not.toContain(TOKEN)
  })
})

describe('option validation', () => {
  it.each([
    [{ basePath: 'clawchat' }, 'option "controlUi.basePath" must start with "/"'],
    [{ basePath: '/clawchat/' }, 'option "controlUi.basePath" must not end with "/"'],
    [{ basePath: '/a//b' }, 'option "controlUi.basePath" must not contain "//"'],
    [{ basePath: '/a/../b' }, 'option "controlUi.basePath" must not contain "." or ".." segments'],
    [{ basePath: '/a b' }, 'option "controlUi.basePath" has a segment "a b"'],
    [{ basePath: 5 }, 'option "controlUi.basePath" must be a string'],
    [{ base: '/x' }, 'option "controlUi" has unknown key(s) "base"'],
    ['/x', 'option "controlUi" must be an object'],
  ])('controlUi %j is refused naming the option', async (controlUi, message) => {
    await expect(startMockGateway({ token: TOKEN, controlUi: controlUi as never })).rejects.toThrow(message)
  })

  it('controlUi: {} uses /clawchat/control, false is off', async () => {
    const on = await h.gateway({ controlUi: {} })
    const off = await h.gateway({ controlUi: false })
    const page = (gw: typeof on) => fetch(`${gw.url.replace(/^ws:/, 'http:')}/clawchat/control/`)
    expect((await page(on)).status).toBe(200)
    expect((await page(off)).status).toBe(426)
  })
})
