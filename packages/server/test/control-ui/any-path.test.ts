/**
 * Issue 21, upgrades to other paths under the prefix. The real gateway (openclaw 2026.9.6) answers its
 * MAIN socket on any path — `/clawchat/control/browser/screencast?token=…` included — while its
 * secondary sockets live at its root; a bearer header on an upgrade authenticates nothing. So every
 * upgrade under the prefix is answered like the console's own: the proxy's challenge, the page's
 * `connect` replaced by the proxy's, the upstream opened at that same path and query with the
 * gateway's Origin and no cookie. Never piped raw; gated, counted and cut at logout the same way.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor, type Harness } from '../helpers/harness.js'
import {
  CONSOLE_PATH,
  auditLines,
  consoleAs,
  openConsole,
  pageBuildId,
  pageConnectParams,
  startConsoleHarness,
} from './console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** What the real UI would get wrong-footed into opening under the prefix: its screencast wsPath. */
const SCREENCAST = `${CONSOLE_PATH}/browser/screencast?token=x`

const upstreamAt = (path: string) => h!.gateway!.upgradeRequests().filter((r) => r.path === path)

describe('an upgrade to another path under the prefix', () => {
  it("is a console: the proxy's challenge, the page's connect ignored, upstream at that path without cookie", async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const buildId = await pageBuildId(h, cookie)
    const page = await openConsole(h, { cookie, origin: h.baseUrl }, SCREENCAST)
    const challenge = await page.waitForEvent('connect.challenge')
    // The proxy's own challenge (the gateway's carries `capabilities`), sent before the gateway is asked.
    expect(challenge.payload).not.toHaveProperty('capabilities')
    expect(upstreamAt(SCREENCAST)).toEqual([])
    const hello = await page.request('connect', pageConnectParams(buildId))
    expect(hello).toMatchObject({ type: 'res', ok: true, payload: { type: 'hello-ok' } })
    expect(hello.payload.auth).not.toHaveProperty('deviceToken')
    const connect = await h.gateway!.waitForRequest(
      (r) => r.method === 'connect' && (r.params as any)?.client?.id === 'openclaw-control-ui',
    )
    expect((connect.params as any).device.id).not.toBe('page-device')
    expect(connect.params).toHaveProperty('auth.token') // (the mock's record shows it redacted)
    expect(JSON.stringify(h.gateway!.requests)).not.toContain('page-fake-token-1234')
    expect(upstreamAt(SCREENCAST)).toEqual([
      { path: SCREENCAST, origin: h.gateway!.url.replace('ws:', 'http:'), authorized: false, hadCookie: false },
    ])
    expect((await page.request('sessions.list', {})).ok).toBe(true)
    for (const raw of page.raw) {
      expect(raw).not.toContain(h.token)
      expect(raw).not.toContain('deviceToken')
    }
    expect(h.proxy.stats().controlUi).toEqual({ connections: 1, users: 1 })
    const opened = auditLines(h).filter((l) => l.event === 'control-ui.open')
    expect(opened).toHaveLength(1)
    expect(opened[0]).toMatchObject({ userId: 'root' })
    expect(opened[0]).not.toHaveProperty('kind')
  })

  it('carries JSON text only, like the console: a binary frame closes it 1003 (nothing is piped raw)', async () => {
    h = await startConsoleHarness()
    const { page, hello } = await consoleAs(h, { id: 'root', role: 'admin' }, `${CONSOLE_PATH}/x`)
    expect(hello.ok).toBe(true)
    page.ws.send(Buffer.from([0, 1, 2, 255]))
    expect((await page.closedPromise).code).toBe(1003)
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
  })

  it('is refused without a session (401) or without the role (403), and nothing reaches the gateway', async () => {
    h = await startConsoleHarness()
    expect(await h.upgradeStatus(undefined, {}, SCREENCAST)).toBe(401)
    expect(await h.upgradeStatus(await h.login({ id: 'bob', role: 'user' }), {}, SCREENCAST)).toBe(403)
    expect(
      auditLines(h)
        .filter((l) => l.event === 'control-ui.refused')
        .map((l) => l.status),
    ).toEqual([401, 403])
    expect(upstreamAt(SCREENCAST)).toEqual([])
  })

  it('is cut at logout (4401), within 5 s', async () => {
    h = await startConsoleHarness({}, { logoutDisconnects: false })
    const { page, cookie } = await consoleAs(h, { id: 'root', role: 'admin' }, SCREENCAST)
    const started = Date.now()
    await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie } })
    expect((await page.closedPromise).code).toBe(4401)
    expect(Date.now() - started).toBeLessThan(5000)
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
    expect(await h.upgradeStatus(cookie, {}, SCREENCAST)).toBe(401)
  })
})
