import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type BrowserContext, type Page, type WebSocket } from '@playwright/test'
import { startControlUiDemo, userKeyPart, type ControlUiDemo } from '../fixtures/control-ui-demo.js'
import { expectLastReplyState, keepScreenshot, recordTraffic, send, signIn } from '../fixtures/page-helpers.js'
import { tryUpgrade } from '../fixtures/raw-upgrade.js'
import { runDemoCommand } from '../fixtures/demo-process.js'
import { TMP } from '../fixtures/paths.js'
import { parseArgs, UsageError } from '../../demo/src/server/parse-args.js'
import { startDemo } from '../../demo/src/server/start-demo.js'
import { parseUsersSpec } from '../../demo/src/server/users.js'

/**
 * The demo's `--control-ui` on its built-in mock gateway: OpenClaw's Control UI (the mock's stand-in)
 * for administrators at /clawchat/control, behind the demo's login, the token kept on the server.
 * Without a session a page load is sent to the demo's sign-in (`loginUrl: '/'`) and comes back
 * after it; anything else without a session is 401.
 */
let site: ControlUiDemo
test.beforeAll(async () => {
  site = await startControlUiDemo()
})
test.afterAll(async () => {
  await site?.close()
})

const consoleUrl = () => `${site.baseUrl}/clawchat/control/`
/** The console's socket, for `tryUpgrade` (an http: URL with the upgrade headers). */
const consoleSocketUrl = () => `${site.baseUrl}/clawchat/control`
const isConsoleSocket = (url: string) => new URL(url).pathname.startsWith('/clawchat/control')

/** The session cookie of a context, as a `Cookie` header. */
async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
}

/** Signs `user` in and makes one chat of theirs through the demo's page (a session on the gateway). */
async function chatAs(context: BrowserContext, user: 'alice' | 'bob', text: string): Promise<Page> {
  const page = await context.newPage()
  await signIn(page, site.baseUrl, user)
  await send(page, text)
  await expectLastReplyState(page, 'final', 20_000)
  return page
}

/** The Control UI's own page, opened from the demo's link (a new tab), and its main socket. */
async function openConsoleFromLink(
  context: BrowserContext,
  demoPage: Page,
): Promise<{ page: Page; socket: WebSocket }> {
  // The socket is watched from the moment the tab exists, so its opening cannot be missed.
  const opened = new Promise<{ page: Page; socket: WebSocket }>((resolve) =>
    context.once('page', (page) =>
      page.on('websocket', (socket) => {
        if (isConsoleSocket(socket.url())) resolve({ page, socket })
      }),
    ),
  )
  await demoPage.click('#control-ui-link')
  return opened
}

test('an admin opens the Control UI from the demo: it connects, lists every user’s sessions, chats; the token stays on the server', async ({
  browser,
}) => {
  test.setTimeout(90_000)
  const alice = await browser.newContext()
  const bob = await browser.newContext()
  await chatAs(alice, 'alice', 'a chat of alice')
  const bobPage = await chatAs(bob, 'bob', 'a chat of bob')
  // A user (not an admin) has no link, and the console refuses them.
  await expect(bobPage.locator('#control-ui-link')).toBeHidden()
  expect(await bobPage.evaluate(() => fetch('/api/me').then((r) => r.json()))).toMatchObject({ controlUi: null })
  expect(await bobPage.evaluate(() => fetch('/clawchat/control/').then((r) => r.status))).toBe(403)
  const bobConsole = await (await bob.newPage()).goto(consoleUrl())
  expect(bobConsole?.status()).toBe(403)
  const bobCookie = await cookieHeader(bob)
  expect(await tryUpgrade(consoleSocketUrl(), { Cookie: bobCookie, Origin: site.baseUrl })).toBe(403)
  await Promise.all([alice.close(), bob.close()])

  const admin = await browser.newContext()
  const traffic = recordTraffic(admin)
  const demoPage = await admin.newPage()
  await signIn(demoPage, site.baseUrl, 'carol')
  const link = demoPage.getByRole('link', { name: 'Control UI' })
  await expect(link).toBeVisible()
  await expect(link).toHaveAttribute('target', '_blank')
  await expect(link).toHaveAttribute('href', '/clawchat/control/')
  await keepScreenshot(demoPage, 'control-ui-link')

  const { page: consolePage, socket } = await openConsoleFromLink(admin, demoPage)
  expect(consolePage.url()).toBe(consoleUrl())
  await expect(consolePage.locator('#status')).toHaveText('Connected')
  await expect(consolePage.locator('#assistant-name')).not.toBeEmpty()
  // Every user's sessions: the console is an administrator's view of the whole gateway.
  for (const user of ['alice', 'bob']) {
    await expect(consolePage.locator(`#sessions li[data-session-key*="${userKeyPart(user)}"]`)).not.toHaveCount(0)
  }
  await consolePage.fill('#message', 'hello from the console')
  await consolePage.click('#send')
  await expect(consolePage.locator('#reply')).toHaveAttribute('data-state', 'final', { timeout: 20_000 })
  await expect(consolePage.locator('#reply')).not.toBeEmpty()
  await keepScreenshot(consolePage, 'control-ui-console')

  const seen: Array<{ where: string; text: string }> = []
  for (const [name, page] of [
    ['demo page', demoPage],
    ['console', consolePage],
  ] as const) {
    seen.push({
      where: `${name}: web storage and document.cookie`,
      text: await page.evaluate(() =>
        JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }),
      ),
    })
    seen.push({ where: `${name}: page source`, text: await page.content() })
  }
  seen.push({ where: 'cookies', text: JSON.stringify(await admin.cookies()) })

  // Signing out in the demo closes the console's socket (and what it reconnects with is refused).
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())))
  const signedOutAt = Date.now()
  await demoPage.click('#logout')
  await expect(demoPage.locator('#login-view')).toBeVisible()
  const closedAfterMs = (await closed) - signedOutAt
  test
    .info()
    .annotations.push({ type: 'console socket closed after sign-out (ms)', description: String(closedAfterMs) })
  expect(closedAfterMs).toBeLessThan(5000)
  await expect(consolePage.locator('#status')).not.toHaveText('Connected')

  await traffic.settle()
  await admin.close()
  for (const r of traffic.http) seen.push({ where: `response ${r.status} ${r.url}`, text: `${r.headers}\n${r.body}` })
  for (const r of traffic.requests) seen.push({ where: `request ${r.url}`, text: `${r.headers}\n${r.body}` })
  for (const f of traffic.frames) seen.push({ where: `ws ${f.dir} ${f.url}`, text: f.payload })
  seen.push({ where: 'demo and proxy logs', text: site.logs.join('\n') })

  // The recording is real: the console's page, script and config, and its frames both ways.
  const consoleHttp = traffic.http.filter((r) => isConsoleSocket(r.url))
  expect(consoleHttp.some((r) => r.url.endsWith('/control-ui-config.json') && r.status === 200)).toBe(true)
  expect(consoleHttp.some((r) => r.url.endsWith('.js') && r.status === 200 && r.body.length > 200)).toBe(true)
  const consoleFrames = traffic.frames.filter((f) => isConsoleSocket(f.url))
  expect(consoleFrames.some((f) => f.dir === 'sent' && f.payload.includes('"connect"'))).toBe(true)
  expect(consoleFrames.some((f) => f.dir === 'received' && f.payload.includes('hello-ok'))).toBe(true)
  expect(consoleFrames.some((f) => f.dir === 'sent' && f.payload.includes('hello from the console'))).toBe(true)
  expect(traffic.sockets.every((s) => new URL(s.url).port === String(site.demo.port))).toBe(true)

  const forms = [site.token, Buffer.from(site.token).toString('base64'), encodeURIComponent(site.token)]
  forms.push(site.token.slice(6, 30))
  const leaks = seen.filter((s) => forms.some((f) => s.text.includes(f))).map((s) => s.where)
  expect(leaks).toEqual([])
  expect(traffic.frames.some((f) => f.payload.includes('deviceToken'))).toBe(false)
})

test('without a session: a page load goes to the demo’s sign-in and back, anything else is 401', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  // Anything but a page load (a script's fetch, the socket) is a plain 401.
  expect((await context.request.get(`${site.baseUrl}/clawchat/control/control-ui-config.json`)).status()).toBe(401)
  expect(await tryUpgrade(consoleSocketUrl(), { Origin: site.baseUrl })).toBe(401)

  await page.goto(consoleUrl())
  await expect(page.locator('#login-view')).toBeVisible()
  expect(new URL(page.url()).searchParams.get('next')).toBe('/clawchat/control/')
  await page.fill('#login-username', 'carol')
  await page.fill('#login-password', 'carol-pw-3')
  await page.click('#login-submit')
  await page.waitForURL(consoleUrl())
  await expect(page.locator('#status')).toHaveText('Connected')
  await context.close()

  // A user who may not open it stays in the chat, and the address bar forgets where they were sent from.
  const bob = await browser.newContext()
  const bobPage = await bob.newPage()
  await bobPage.goto(consoleUrl())
  await expect(bobPage.locator('#login-view')).toBeVisible()
  await bobPage.fill('#login-username', 'bob')
  await bobPage.fill('#login-password', 'bob-pw-2')
  await bobPage.click('#login-submit')
  await expect(bobPage.locator('#connection')).toHaveAttribute('data-state', 'open')
  expect(new URL(bobPage.url()).search).toBe('')
  await expect(bobPage.locator('#control-ui-link')).toBeHidden()
  await bob.close()
})

test('--control-ui: the command says where the console is; bad combinations get a sentence', async () => {
  const message = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      const command = parseArgs(argv, env)
      return command.kind === 'run' ? command.options : command
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      return (err as Error).message
    }
  }
  expect(message(['--control-ui', '-mode', 'direct'])).toMatch(/^--control-ui: the Control UI needs proxy mode/)
  expect(message(['--control-ui', '--users', 'alice:pw,bob:pw'])).toMatch(
    /^--control-ui: nobody may open the Control UI: .*mark one with ":admin"/,
  )
  expect(message(['--control-ui=yes'])).toBe('--control-ui takes no value; see --help')
  expect(message(['--control-ui', '--control-ui'])).toBe('--control-ui is given twice')
  expect(message([], { CLAWCHAT_CONTROL_UI: 'maybe' })).toBe(
    'CLAWCHAT_CONTROL_UI must be 1 or 0 (true or false), got "maybe"',
  )
  // On: the default accounts gain an administrator; with a gateway of one's own the same option.
  expect(message(['--control-ui'])).toMatchObject({
    controlUi: true,
    users: [
      { id: 'alice', role: 'user' },
      { id: 'bob', role: 'user' },
      { id: 'admin', role: 'admin' },
    ],
  })
  expect(message([], { CLAWCHAT_CONTROL_UI: '1', CLAWCHAT_DEMO_USERS: 'dana:pw:admin' })).toMatchObject({
    controlUi: true,
    users: [{ id: 'dana', role: 'admin' }],
  })
  expect(message(['-g', 'ws://127.0.0.1:18789', '-t', 'x', '--control-ui'])).toMatchObject({ controlUi: true })
  expect(message([])).toMatchObject({ controlUi: false })
  await expect(
    startDemo({ dataDir: TMP, mode: 'direct', controlUi: true, users: parseUsersSpec('dana:pw:admin') }),
  ).rejects.toThrow(/^controlUi: the Control UI needs proxy mode/)

  mkdirSync(TMP, { recursive: true })
  const dataDir = mkdtempSync(join(TMP, 'cli-control-ui-'))
  const demo = runDemoCommand(['--control-ui', '--port', '0', '--data-dir', dataDir])
  try {
    const [, url] = await demo.waitFor(/Control UI: (http:\/\/localhost:\d+\/clawchat\/control\/) \(for admin: /)
    expect(demo.output()).toMatch(/users:\s+alice \/ \S+,\s+bob \/ \S+,\s+admin \/ \S+/)
    expect(demo.output()).not.toContain('gateway.controlUi.basePath')
    const res = await fetch(url!.replace('localhost', '127.0.0.1'))
    expect(res.status).toBe(401)
  } finally {
    await demo.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
