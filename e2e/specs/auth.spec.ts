import { expect, test, type BrowserContext } from '@playwright/test'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startStack, type Stack } from '../fixtures/servers.js'
import { expectConnected, expectLastReplyState, keepScreenshot, send, signIn } from '../fixtures/page-helpers.js'
import { openSocketFromPage } from '../fixtures/browser-socket.js'
import { tryUpgrade } from '../fixtures/raw-upgrade.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

const wsUrl = () => `${stack.baseUrl.replace('http:', 'ws:')}/clawchat`

test('not signed in: the socket is refused and the page asks to sign in', async ({ page }) => {
  await page.goto(stack.baseUrl)
  await expect(page.locator('#login-view')).toBeVisible()
  await expect(page.locator('#chat-view')).toBeHidden()
  const outcome = await openSocketFromPage(page, wsUrl())
  expect(outcome).toEqual({ opened: false, closeCode: 1006, firstEvent: null })
  expect(await page.evaluate(() => fetch('/clawchat/session').then((r) => r.status))).toBe(401)

  // A wrong password is refused with a sentence, and still no chat.
  await page.fill('#login-username', 'alice')
  await page.fill('#login-password', 'not-her-password')
  await page.click('#login-submit')
  await expect(page.locator('#login-error')).toHaveText('Wrong name or password.')
  await expect(page.locator('#chat-view')).toBeHidden()
  await keepScreenshot(page, 'login-error')
})

/** Ends a browser context's app session in the store, as an expiry or an admin would. */
async function endSessionInStore(context: BrowserContext): Promise<void> {
  const cookie = (await context.cookies()).find((c) => c.name === 'clawchat.sid')
  expect(cookie).toBeDefined()
  const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookie!.value))?.[1]
  expect(sid).toBeTruthy()
  await new Promise<void>((resolve, reject) =>
    stack.demo.sessionStore.destroy(sid!, (err) => (err ? reject(err) : resolve())),
  )
}

test('with the session gone, the reconnecting socket is refused and the page says so', async ({ page, context }) => {
  await signIn(page, stack.baseUrl, 'alice')
  await endSessionInStore(context)
  // The server restarts; the page's reconnect now meets a cookie whose session no longer exists.
  await stack.stopDemo()
  await stack.startDemoAgain()
  await expect(page.locator('#login-view')).toBeVisible({ timeout: 15_000 })
  await expect(page.locator('#login-notice')).toContainText('signed out')
  await expect(page.locator('#chat-view')).toBeHidden()
  await keepScreenshot(page, 'signed-out-notice')
  expect(await page.evaluate(() => fetch('/clawchat/session').then((r) => r.status))).toBe(401)
})

test('when the session ends in the store, the live socket is closed within seconds', async ({ page, context }) => {
  await signIn(page, stack.baseUrl, 'bob')
  const socket = page.waitForEvent('websocket')
  await page.reload()
  await expectConnected(page)
  const ws = await socket
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()))
  await endSessionInStore(context)
  // docs/ARCHITECTURE.md ("Limits and logout"): the proxy re-reads each socket's session every sessionCheckIntervalMs (4 s).
  await Promise.race([
    closed,
    page
      .waitForTimeout(8_000)
      .then(() => Promise.reject(new Error('the socket was still open 8 s after its session ended'))),
  ])
  await expect(page.locator('#login-view')).toBeVisible()
  await expect(page.locator('#login-notice')).toContainText('signed out')
})

test('a page on another origin cannot open the socket, even with the session cookie', async ({ page, context }) => {
  const evil: Server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html')
    res.end('<!doctype html><title>another site</title><p>another site</p>')
  })
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
  try {
    await signIn(page, stack.baseUrl, 'alice')
    // From the app's own origin, the same code gets a socket and the proxy's challenge.
    const own = await openSocketFromPage(page, wsUrl())
    expect(own.opened).toBe(true)
    expect(own.firstEvent).toBe('connect.challenge')

    const other = await context.newPage()
    await other.goto(evilOrigin)
    const foreign = await openSocketFromPage(other, wsUrl())
    expect(foreign).toEqual({ opened: false, closeCode: 1006, firstEvent: null })

    // The refusal is the Origin check: the same valid cookie passes with the app's origin only.
    const cookie = (await context.cookies(stack.baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ')
    const upgradeUrl = `${stack.baseUrl}/clawchat`
    expect(await tryUpgrade(upgradeUrl, { Cookie: cookie, Origin: stack.baseUrl })).toBe(101)
    expect(await tryUpgrade(upgradeUrl, { Cookie: cookie, Origin: evilOrigin })).toBe(403)
    expect(await tryUpgrade(upgradeUrl, { Origin: stack.baseUrl })).toBe(401)
  } finally {
    evil.closeAllConnections()
    await new Promise<void>((resolve) => evil.close(() => resolve()))
  }
})

test('signing out in one tab closes the live socket of another tab', async ({ context }) => {
  const tabA = await context.newPage()
  const tabB = await context.newPage()
  // Signing out closes this tab's own socket too, and that close can reach the page before the
  // answer to its sign-out request does (it did in full runs). Force that order every time: the
  // answer is held until the page has seen its socket close.
  await tabA.addInitScript(() => {
    const Native = window.WebSocket
    window.WebSocket = class extends Native {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args)
        this.addEventListener('close', () => ((window as unknown as { __socketClosed: boolean }).__socketClosed = true))
      }
    }
  })
  await tabA.route('**/api/logout', async (route) => {
    const response = await route.fetch()
    await tabA.waitForFunction(() => (window as unknown as { __socketClosed?: boolean }).__socketClosed === true)
    await route.fulfill({ response })
  })
  await signIn(tabA, stack.baseUrl, 'bob')
  const socketB = tabB.waitForEvent('websocket')
  await tabB.goto(stack.baseUrl)
  await expectConnected(tabB)
  const ws = await socketB
  expect(ws.url()).toBe(wsUrl())
  const closedB = new Promise<number>((resolve) => ws.on('close', () => resolve(Date.now())))

  await tabA.bringToFront()
  const start = Date.now()
  await tabA.click('#logout')
  await expect(tabA.locator('#login-view')).toBeVisible()
  await expect(tabA.locator('#login-notice')).toHaveText('You signed out.')

  const closedAt = await closedB
  expect(closedAt - start).toBeLessThan(3_000)
  await expect(tabB.locator('#login-view')).toBeVisible()
  await expect(tabB.locator('#login-notice')).toContainText('signed out')
  await expect(tabB.locator('#chat-view')).toBeHidden()

  // Signing in again in the same page gives a working chat (nothing left over from before).
  await tabA.fill('#login-username', 'bob')
  await tabA.fill('#login-password', 'bob-pw-2')
  await tabA.click('#login-submit')
  await expectConnected(tabA)
  await send(tabA, 'back again')
  await expectLastReplyState(tabA, 'final')
  await expect(tabA.locator('.msg-user .bubble').filter({ hasText: 'back again' })).toHaveCount(1)
  await expect(tabA.locator('#session-list .session-item')).toHaveCount(1)
  await tabA.locator('#session-list .session-item').first().click()
  await expect(tabA.locator('.msg-assistant')).toHaveCount(1)
})
