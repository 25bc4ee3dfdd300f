import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  keepScreenshot,
  lastReply,
  recordTraffic,
  send,
  signIn,
} from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack({ mode: 'direct' })
})
test.afterAll(async () => {
  await stack?.close()
})

test('direct mode: the page talks to the mock gateway itself, with a visible warning', async ({ browser }) => {
  const context = await browser.newContext()
  const traffic = recordTraffic(context)
  const page = await context.newPage()

  // Before sign-in the page gets no token.
  await page.goto(stack.baseUrl)
  expect(await page.evaluate(() => fetch('/api/direct-config').then((r) => r.status))).toBe(401)

  await signIn(page, stack.baseUrl, 'alice')
  await expect(page.locator('#direct-warning')).toBeVisible()
  await expect(page.locator('#direct-warning')).toContainText('Personal use only')
  await expect(page.locator('#mode-label')).toHaveText('Direct mode')

  await send(page, 'hello gateway, directly')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page)).toContainText('Reply to "hello gateway, directly": w1')
  await expect(page.locator('#session-list .session-item')).toHaveCount(1)
  await expect(page.locator('#session-list .session-item[aria-current="true"]')).toHaveText(/hello gateway, directly/)
  await keepScreenshot(page, 'direct-mode')

  // History comes back after a reload, from the gateway itself.
  await page.reload()
  await expectConnected(page)
  await expect(page.locator('.msg-user .bubble')).toHaveText(['hello gateway, directly'])
  await expect(lastReply(page)).toContainText('w12')

  // The socket went to the gateway, not to a proxy on the site; the token came from the site, after sign-in.
  await traffic.settle()
  expect(traffic.sockets.map((s) => new URL(s.url).port)).toContain(String(stack.mock.port))
  expect(traffic.sockets.some((s) => s.url.includes('/clawchat'))).toBe(false)
  expect(traffic.http.find((r) => r.url.endsWith('/api/direct-config') && r.status === 200)?.body).toContain(
    stack.token,
  )
  expect(stack.agent.count('hello gateway, directly')).toBe(1)
  await context.close()
})
