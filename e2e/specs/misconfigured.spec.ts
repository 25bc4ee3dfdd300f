import { expect, test } from '@playwright/test'
import { startStack, USERS, type Stack } from '../fixtures/servers.js'
import { keepScreenshot, send } from '../fixtures/page-helpers.js'

// Issue 15.5: a proxy whose token the gateway refuses is not "an outage": the page says the
// assistant is misconfigured, a message fails at once instead of waiting forever, users learn no
// detail and the admin learns what to do. Nobody sees the token.
let stack: Stack
const wrongToken = `wrong-${Date.now()}-token`
test.beforeAll(async () => {
  stack = await startStack({ demoToken: wrongToken })
})
test.afterAll(async () => {
  await stack?.close()
})

async function signInAs(page: import('@playwright/test').Page, user: keyof typeof USERS): Promise<void> {
  await page.goto(stack.baseUrl)
  await page.fill('#login-username', user)
  await page.fill('#login-password', USERS[user])
  await page.click('#login-submit')
  await expect(page.locator('#chat-view')).toBeVisible()
}

test('a user sees "unavailable" with no detail, and a message fails at once instead of waiting', async ({ page }) => {
  await signInAs(page, 'alice')
  const banner = page.locator('#connection-banner')
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'misconfigured', { timeout: 15_000 })
  await expect(banner).toHaveAttribute('data-kind', 'misconfigured')
  await expect(banner).toContainText(
    'an administrator must fix its configuration. Messages cannot be sent until it is fixed.',
  )
  await expect(banner).not.toContainText('gateway.token')
  await send(page, 'is anybody there?')
  await expect(page.locator('.msg-user').last()).toHaveAttribute('data-status', 'failed', { timeout: 5000 })
  await expect(page.locator('.msg-assistant').last()).toContainText(
    'Not sent: the assistant is unavailable until an administrator fixes its setup.',
  )
  expect(stack.agent.count('is anybody there?')).toBe(0)
  await keepScreenshot(page, 'banner-misconfigured')
  expect(await page.content()).not.toContain(wrongToken)
  expect(await page.content()).not.toContain(stack.token)
})

test('the admin sees what to do, and never the token', async ({ page }) => {
  await signInAs(page, 'carol')
  const banner = page.locator('#connection-banner')
  await expect(banner).toHaveAttribute('data-kind', 'misconfigured', { timeout: 15_000 })
  await expect(banner).toContainText('option "gateway.token"')
  expect(await page.content()).not.toContain(wrongToken)
})

test('readyz tells the orchestrator the proxy is not ready, and why, without the token', async ({ request }) => {
  const readyz = `${stack.baseUrl}/clawchat/readyz`
  await expect.poll(async () => (await request.get(readyz)).status(), { timeout: 15_000 }).toBe(503)
  const body = await (await request.get(readyz)).text()
  expect(JSON.parse(body)).toMatchObject({ status: 'not ready', checks: { gateway: 'misconfigured' } })
  expect(JSON.parse(body).reason).toContain('an operator must act')
  expect(body).not.toContain(wrongToken)
  expect(body).not.toContain(stack.token)
})
