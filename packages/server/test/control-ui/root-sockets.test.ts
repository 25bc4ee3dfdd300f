/**
 * Issue 21, option `controlUi.rootSockets` (default on): the browser panel's live view and the desktop
 * viewer open their sockets at the gateway's ROOT (`/browser/screencast?token=<one-time>`,
 * `/desktop/observe?token=<one-time>`, measured on openclaw 2026.9.6), so the UI opens them at the
 * app's root. Upgrades at exactly those paths are gated like the console's and piped RAW to the same
 * path and query on the gateway. The mock answers its main socket on every path, so a piped socket
 * gets the MOCK's own `connect.challenge` (with `capabilities`) — a console would get the proxy's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { cleanUpstreamUpgrade } from '../../src/control-ui/upstream-headers.js'
import { waitFor, type Harness } from '../helpers/harness.js'
import { auditLines, httpGet, openConsole, startConsoleHarness } from './console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const SCREENCAST = '/browser/screencast?token=one-time-abc'
const DESKTOP = '/desktop/observe?token=one-time-def'

const upstreamAt = (path: string) => h!.gateway!.upgradeRequests().filter((r) => r.path === path)

/** Logs `user` in and opens a root socket at `path` as a browser of the app would. */
async function rootSocketAs(user: { id: string; role: 'admin' | 'user' }, path = SCREENCAST) {
  const cookie = await h!.login(user)
  const page = await openConsole(h!, { cookie, origin: h!.baseUrl }, path)
  return { page, cookie }
}

describe('a root socket (rootSockets on, the default)', () => {
  it.each([SCREENCAST, DESKTOP])(
    "%s from an admin is piped: the gateway's own frames, upstream at that path without cookie",
    async (path) => {
      h = await startConsoleHarness()
      const cookie = await h.login({ id: 'root', role: 'admin' })
      // Even the gateway's own bearer, sent by a browser, is dropped: the one-time token is the credential.
      const headers = { cookie, origin: h.baseUrl, authorization: `Bearer ${h.token}` }
      const page = await openConsole(h, headers, path)
      const challenge = await page.waitForEvent('connect.challenge')
      // The mock's own challenge, passed as it is (the proxy's console challenge has no capabilities).
      expect(challenge.payload.capabilities).toEqual(expect.any(Array))
      expect(upstreamAt(path)).toEqual([
        { path, origin: h.gateway!.url.replace('ws:', 'http:'), authorized: false, hadCookie: false },
      ])
      // Frames go both ways untouched: the page's own connect reaches the gateway, token and all.
      const hello = await page.request('connect', {
        minProtocol: 4,
        maxProtocol: 4,
        client: { id: 'webchat-ui', version: '1', platform: 'web', mode: 'webchat' },
        auth: { token: 'page-own-token' },
      })
      expect(hello).toMatchObject({ type: 'res', ok: false })
      expect(h.proxy.stats().controlUi).toEqual({ connections: 1, users: 1 })
      const opened = auditLines(h).filter((l) => l.event === 'control-ui.open')
      expect(opened).toEqual([expect.objectContaining({ userId: 'root', path: path.split('?')[0] })])
      await page.close()
      await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
      expect(auditLines(h).filter((l) => l.event === 'control-ui.close')).toEqual([
        expect.objectContaining({ userId: 'root', connId: opened[0]!.connId, path: path.split('?')[0] }),
      ])
      // The one-time token stays out of the audit and the log.
      expect(JSON.stringify([h.capture.audit, h.capture.logs])).not.toContain('one-time-')
    },
  )

  it('is refused without a session (401), without the role (403), over the limit (429); nothing upstream', async () => {
    h = await startConsoleHarness({ limits: { connectionsPerUser: 1 } })
    expect(await h.upgradeStatus(undefined, {}, SCREENCAST)).toBe(401)
    expect(await h.upgradeStatus(await h.login({ id: 'bob', role: 'user' }), {}, SCREENCAST)).toBe(403)
    expect(
      await h.upgradeStatus(
        await h.login({ id: 'root', role: 'admin' }),
        { origin: 'https://evil.example' },
        SCREENCAST,
      ),
    ).toBe(403)
    expect(upstreamAt(SCREENCAST)).toEqual([])
    const { page, cookie } = await rootSocketAs({ id: 'root', role: 'admin' })
    await page.waitForEvent('connect.challenge')
    expect(await h.upgradeStatus(cookie, {}, DESKTOP)).toBe(429)
    expect(upstreamAt(DESKTOP)).toEqual([])
    expect(
      auditLines(h)
        .filter((l) => l.event === 'control-ui.refused')
        .map((l) => l.status),
    ).toEqual([401, 403, 403, 429])
  })

  it('is cut at logout, by disconnectUser and by proxy.close()', async () => {
    h = await startConsoleHarness({}, { logoutDisconnects: false })
    const first = await rootSocketAs({ id: 'root', role: 'admin' })
    await first.page.waitForEvent('connect.challenge')
    const started = Date.now()
    await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie: first.cookie } })
    await first.page.closedPromise
    expect(Date.now() - started).toBeLessThan(5000)
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)

    const second = await rootSocketAs({ id: 'root', role: 'admin' }, DESKTOP)
    await second.page.waitForEvent('connect.challenge')
    expect(h.proxy.disconnectUser('root')).toBeGreaterThanOrEqual(1)
    await second.page.closedPromise
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)

    const third = await rootSocketAs({ id: 'root', role: 'admin' })
    await third.page.waitForEvent('connect.challenge')
    await h.proxy.close()
    await third.page.closedPromise
    expect(h.proxy.stats().controlUi.connections).toBe(0)
  })

  it('answers 502 when the gateway is down, and leaves plain HTTP at those paths to the app', async () => {
    h = await startConsoleHarness({}, { noGateway: true })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(cookie, {}, SCREENCAST)).toBe(502)
    expect(h.proxy.stats().controlUi.connections).toBe(0)
    const plain = await httpGet(h, SCREENCAST, { cookie })
    expect(plain.status).toBe(404)
    expect(plain.body).toContain('Cannot GET /browser/screencast') // Express's own answer
  })

  it('only at those exact paths: a path below them is not the proxy’s', async () => {
    h = await startConsoleHarness({}, { proxy: { destroyUpgradeTimeoutMs: 100 } })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(cookie, {}, '/browser/screencast/x?token=y')).toBe(404)
    expect(await h.upgradeStatus(undefined, {}, '/desktop/observer')).toBe(404)
    expect(h.gateway!.upgradeRequests().filter((r) => r.path !== '/')).toEqual([]) // (the relay's link is at /)
  })
})

describe('rootSockets: false', () => {
  it('leaves those upgrades to the app: nobody takes them, so the unhandled-upgrade rule answers 404', async () => {
    h = await startConsoleHarness({ rootSockets: false }, { proxy: { destroyUpgradeTimeoutMs: 100 } })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(cookie, { origin: h.baseUrl }, SCREENCAST)).toBe(404)
    expect(await h.upgradeStatus(undefined, {}, DESKTOP)).toBe(404)
    expect(h.gateway!.upgradeRequests().filter((r) => r.path !== '/')).toEqual([]) // (the relay's link is at /)
    expect(auditLines(h).filter((l) => String(l.event).startsWith('control-ui'))).toEqual([])
  })
})

describe('the upgrade request a root socket sends the gateway', () => {
  it('keeps the handshake, drops credentials and forwarding headers, and carries the gateway Origin', () => {
    const headers = new Map<string, string>([
      ['host', 'gw:1'],
      ['connection', 'Upgrade'],
      ['upgrade', 'websocket'],
      ['sec-websocket-key', 'k'],
      ['sec-websocket-version', '13'],
      ['cookie', 'app.sid=s'],
      ['authorization', 'Bearer x'],
      ['proxy-authorization', 'Basic y'],
      ['forwarded', 'for=1.2.3.4'],
      ['x-forwarded-for', '1.2.3.4'],
      ['x-forwarded-proto', 'https'],
      ['x-real-ip', '1.2.3.4'],
      ['origin', 'https://app.example'],
      ['user-agent', 'test'],
    ])
    cleanUpstreamUpgrade(
      {
        getHeaderNames: () => [...headers.keys()],
        removeHeader: (name) => void headers.delete(name),
        setHeader: (name, value) => headers.set(name, value),
      },
      { origin: 'http://127.0.0.1:18789' },
    )
    expect(Object.fromEntries(headers)).toEqual({
      host: 'gw:1',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'k',
      'sec-websocket-version': '13',
      origin: 'http://127.0.0.1:18789',
      'user-agent': 'test',
    })
  })
})
