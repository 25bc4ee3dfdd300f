import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  keepScreenshot,
  lastReply,
  send,
  signIn,
  userMessages,
} from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('the proxy restarts, then the gateway: banners show, the page recovers, messages sent meanwhile arrive once', async ({
  page,
}) => {
  test.setTimeout(90_000)
  const banner = page.locator('#connection-banner')
  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'before any trouble')
  await expectLastReplyState(page, 'final')

  // 1. The proxy (the demo server) goes away: the page says it is reconnecting.
  await stack.stopDemo()
  await expect(banner).toBeVisible()
  await expect(banner).toHaveAttribute('data-kind', 'reconnecting')
  await expect(page.locator('#connection')).toHaveAttribute('data-state', /reconnecting|connecting/)
  await keepScreenshot(page, 'banner-reconnecting')

  // A message sent while it is away waits in the page…
  await send(page, 'sent while the proxy was down')
  await expect(page.locator('.msg-user').last()).toHaveAttribute('data-status', 'queued')
  // The proxy is stopped: nothing of it can reach the gateway until it is back (and then once).
  expect(stack.agent.count('sent while the proxy was down')).toBe(0)

  // …and goes out once the proxy is back (same port, same session store: still signed in).
  await stack.startDemoAgain()
  await expectConnected(page, 20_000)
  await expect(banner).toBeHidden()
  await expectLastReplyState(page, 'final', 20_000)
  await expect(lastReply(page)).toContainText('Reply to "sent while the proxy was down"')
  expect(stack.agent.count('sent while the proxy was down')).toBe(1)

  // 2. The gateway goes away: the socket to the proxy stays, the banner says the gateway is down.
  await stack.mock.crash()
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'gateway-down', { timeout: 10_000 })
  await expect(banner).toHaveAttribute('data-kind', 'gateway-down')
  await keepScreenshot(page, 'banner-gateway-down')
  await send(page, 'sent while the gateway was down')
  // The gateway (and its agent) is down: nothing can run it until it is back (and then once).
  expect(stack.agent.count('sent while the gateway was down')).toBe(0)

  await stack.mock.restart()
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'open', { timeout: 30_000 })
  await expect(banner).toBeHidden()
  await expectLastReplyState(page, 'final', 20_000)
  await expect(lastReply(page)).toContainText('Reply to "sent while the gateway was down"')
  await page.waitForTimeout(1_000)
  expect(stack.agent.count('sent while the gateway was down')).toBe(1)

  // After a reload the history holds each message exactly once.
  await page.reload()
  await expectConnected(page)
  await expect(userMessages(page)).toHaveText([
    'before any trouble',
    'sent while the proxy was down',
    'sent while the gateway was down',
  ])
  expect(stack.agent.count('sent while the proxy was down')).toBe(1)
  expect(stack.agent.count('sent while the gateway was down')).toBe(1)
})
