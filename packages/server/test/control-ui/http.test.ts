/**
 * Issue 21, HTTP under the console's prefix, through the proxy to the mock gateway's Control UI
 * stand-in: who gets what (401, the login redirect, 403, the page and its config for admins), what
 * reaches the gateway (its bearer token, never the browser's cookie or Authorization — checked with
 * the mock's own records), the refused path forms, a gateway at another base path, a gateway down.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Harness } from '../helpers/harness.js'
import { CONSOLE_PATH, auditLines, httpGet, startConsoleHarness } from './console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const html = { accept: 'text/html,application/xhtml+xml' }

describe('HTTP under the console prefix', () => {
  it('answers 401 to nobody, 403 to a non-admin, and forwards nothing for them', async () => {
    h = await startConsoleHarness()
    expect(await httpGet(h, `${CONSOLE_PATH}/`, html)).toMatchObject({ status: 401 })
    expect(await httpGet(h, `${CONSOLE_PATH}/control-ui-config.json`)).toMatchObject({ status: 401 })
    const bob = await h.login({ id: 'bob', role: 'user' })
    const refused = await httpGet(h, `${CONSOLE_PATH}/`, { ...html, cookie: bob })
    expect(refused).toMatchObject({ status: 403, body: "The Control UI is for the app's administrators only.\n" })
    expect(auditLines(h).find((l) => l.event === 'control-ui.refused')).toMatchObject({
      status: 403,
      userId: 'bob',
      kind: 'http',
    })
    expect(
      h
        .gateway!.httpRequests()
        .filter((r) => r.path.startsWith(CONSOLE_PATH) && r.path !== `${CONSOLE_PATH}/control-ui-config.json`),
    ).toEqual([])
  })

  it('redirects a page load without a session to loginUrl?next=<path>; other requests get 401', async () => {
    h = await startConsoleHarness({ loginUrl: '/login' })
    const page = await httpGet(h, `${CONSOLE_PATH}/sessions?x=1`, html)
    expect(page.status).toBe(302)
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent(`${CONSOLE_PATH}/sessions?x=1`)}`)
    expect((await httpGet(h, `${CONSOLE_PATH}/control-ui-config.json`, { accept: 'application/json' })).status).toBe(
      401,
    )
    expect((await httpGet(h, `${CONSOLE_PATH}/`, html, 'POST')).status).toBe(401)
  })

  it("gives an admin the page and the config: the gateway's bearer added, the browser's cookie and Authorization dropped", async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const browser = {
      cookie,
      authorization: 'Bearer browser-own-credential',
      'x-forwarded-for': '6.6.6.6',
      origin: h.baseUrl,
    }
    const page = await httpGet(h, `${CONSOLE_PATH}/`, { ...html, ...browser })
    expect(page.status).toBe(200)
    expect(page.body).toContain(`data-openclaw-control-ui-base-path="${CONSOLE_PATH}"`)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['set-cookie']).toBeUndefined()
    const config = await httpGet(h, `${CONSOLE_PATH}/control-ui-config.json`, browser)
    expect(config.status).toBe(200)
    expect(JSON.parse(config.body)).toMatchObject({ basePath: CONSOLE_PATH })
    for (const answer of [page, config]) {
      expect(answer.body).not.toContain(h.token)
      expect(JSON.stringify(answer.headers)).not.toContain(h.token)
    }
    const gatewayOrigin = h.gateway!.url.replace('ws:', 'http:')
    const seen = h
      .gateway!.httpRequests()
      .filter((r) => r.path === `${CONSOLE_PATH}/` || r.path.endsWith('config.json'))
    // The proxy's own base-path check, then the two the admin's browser made.
    expect(seen.slice(-2)).toEqual([
      { path: `${CONSOLE_PATH}/`, origin: gatewayOrigin, authorized: true, hadCookie: false },
      { path: `${CONSOLE_PATH}/control-ui-config.json`, origin: gatewayOrigin, authorized: true, hadCookie: false },
    ])
  })

  it("refuses a state-changing request from another site's page (403), before it reaches the gateway", async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const answer = await httpGet(h, `${CONSOLE_PATH}/api/x`, { cookie, origin: 'https://evil.example' }, 'POST')
    expect(answer).toMatchObject({ status: 403, body: 'This origin may not send requests to the Control UI.\n' })
    expect(h.gateway!.httpRequests().filter((r) => r.path === `${CONSOLE_PATH}/api/x`)).toEqual([])
  })

  it('answers 500 with a reason when a body parser mounted before the proxy already read the body', async () => {
    // The harness mounts express.json() before the proxy: a JSON POST's body is gone by then.
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const res = await fetch(`${h.baseUrl}${CONSOLE_PATH}/api/x`, {
      method: 'POST',
      headers: { cookie, origin: h.baseUrl, 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(res.status).toBe(500)
    expect(await res.text()).toMatch(/consumed before ClawChat could forward it/)
    const logs = h.capture.logs.map((l) => JSON.parse(l) as { level: string; message: string })
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/before body parsers/) }),
    )
  })

  it('leaves requests outside the prefix to the app', async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    for (const path of ['/clawchat/controller', '/clawchat/control.js', '/clawchat/x/../control/'])
      expect((await httpGet(h, path, { cookie })).status).toBe(404)
    expect(h.gateway!.httpRequests().filter((r) => !r.path.endsWith('control-ui-config.json'))).toEqual([])
  })

  it.each([
    ['/..', 'the path has a ".." segment'],
    ['/%2e%2e/session', 'the path has a "%2e%2e" segment'],
    ['/./x', 'the path has a "." segment'],
    ['/a%2Fb', 'the path contains an encoded "/" or "\\" (%2F, %5C)'],
    ['/a%5cb', 'the path contains an encoded "/" or "\\" (%2F, %5C)'],
    ['/a\\b', 'the path contains a backslash'],
    ['//x', 'the path contains an empty segment ("//")'],
    ['/a%g1', 'the path has a "%" that is not followed by two hex digits'],
    ['/%ff', 'the path has percent-encoding that is not valid UTF-8'],
  ])('refuses %s with 400 and a reason, before any login check', async (suffix, reason) => {
    h = await startConsoleHarness()
    expect(await httpGet(h, `${CONSOLE_PATH}${suffix}`)).toMatchObject({ status: 400, body: `Refused: ${reason}.\n` })
  })

  it('answers 502 with a short text when the gateway is down', async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    expect((await httpGet(h, `${CONSOLE_PATH}/`, { cookie })).status).toBe(200)
    await h.gateway!.crash()
    const down = await httpGet(h, `${CONSOLE_PATH}/`, { cookie })
    expect(down).toMatchObject({ status: 502, body: 'The gateway is not reachable.\n' })
    expect(h.capture.logs.join('\n')).not.toContain(h.token)
  })
})

describe('a gateway whose Control UI is at another base path', () => {
  it('gets admins a 503 that says how to fix it, and an error in the log', async () => {
    h = await startConsoleHarness({}, { gateway: { controlUi: { basePath: '/elsewhere' } } })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const expected =
      'controlUi.path is "/clawchat/control" but the gateway does not serve its Control UI there: set ' +
      'gateway.controlUi.basePath to "/clawchat/control" in the gateway\'s config (openclaw config set ' +
      'gateway.controlUi.basePath /clawchat/control) and restart the gateway'
    expect(await httpGet(h, `${CONSOLE_PATH}/`, { ...html, cookie })).toMatchObject({
      status: 503,
      body: `${expected}\n`,
    })
    const errors = h.capture.logs.map((l) => JSON.parse(l) as { level: string; message: string })
    expect(errors).toContainEqual(expect.objectContaining({ level: 'error', message: `clawchat: ${expected}` }))
    // The socket too; and nobody without the role learns anything about the gateway.
    expect(await h.upgradeStatus(cookie, {}, CONSOLE_PATH)).toBe(503)
    const bob = await h.login({ id: 'bob', role: 'user' })
    expect((await httpGet(h, `${CONSOLE_PATH}/`, { cookie: bob })).status).toBe(403)
  })
})
