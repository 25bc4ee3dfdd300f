import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import { signIn } from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

test('on a phone the chat drawer closes with a tap outside it and with Escape', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'alice')
  const sidebar = page.locator('#sidebar')
  const menu = page.locator('#menu')
  await expect(sidebar).not.toBeInViewport()
  await expect(menu).toHaveAttribute('aria-expanded', 'false')

  // A tap on the dimmed page beside the drawer closes it.
  await menu.tap()
  await expect(sidebar).toBeInViewport()
  await expect(menu).toHaveAttribute('aria-expanded', 'true')
  const drawerBox = (await sidebar.boundingBox())!
  expect(drawerBox.x + drawerBox.width).toBeLessThan(380)
  await page.touchscreen.tap(385, 420)
  await expect(sidebar).not.toBeInViewport()
  await expect(menu).toHaveAttribute('aria-expanded', 'false')

  // The menu button is reachable again, and Escape closes the drawer too, focus back on the button.
  await menu.tap()
  await expect(sidebar).toBeInViewport()
  await page.keyboard.press('Escape')
  await expect(sidebar).not.toBeInViewport()
  await expect(menu).toBeFocused()

  // Choosing a chat in the drawer still closes it.
  await menu.click()
  await expect(sidebar).toBeInViewport()
  await page.locator('#session-list .session-item').first().click()
  await expect(sidebar).not.toBeInViewport()
})
