import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import { expectLastReplyState, keepScreenshot, lastReply, send, signIn } from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('Stop ends a slow reply in the middle, and the chat goes on', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'SLOW story please')
  await expect(page.locator('#stop')).toBeVisible()
  await expect(page.locator('#send')).toBeHidden()
  await expect(lastReply(page)).toContainText(' w5', { timeout: 10_000 })
  await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')

  await page.click('#stop')
  await expectLastReplyState(page, 'aborted', 5_000)
  await expect(lastReply(page).locator('.msg-status')).toHaveText('Stopped')
  await expect(page.locator('#send')).toBeVisible()
  await expect(page.locator('#stop')).toBeHidden()
  const stoppedAt = await lastReply(page).locator('.md').innerText()
  await keepScreenshot(page, 'stopped-reply')

  // The run really stopped upstream: the text does not grow any more, and the agent was told.
  await page.waitForTimeout(1_000)
  expect(await lastReply(page).locator('.md').innerText()).toBe(stoppedAt)
  expect(stoppedAt).not.toContain('w80')
  expect(stack.agent.count('SLOW story please')).toBe(1)
  const abort = await stack.mock.waitForRequest('chat.abort', 2_000)
  expect(abort.method).toBe('chat.abort')

  await send(page, 'after the stop')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page)).toContainText('Reply to "after the stop"')
})

test('a reply keeps streaming while another chat is on screen, and is there on return', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob')
  await send(page, 'SLOW tale for later')
  await expect(lastReply(page)).toContainText(' w3', { timeout: 10_000 })
  await expect(page.locator('#session-list .session-item[data-key="main"] .live')).toBeVisible()

  await page.click('#new-session-wide')
  await expect(page.locator('#empty')).toBeVisible()
  await expect(page.locator('#send')).toBeVisible()
  await send(page, 'meanwhile, elsewhere')
  await expectLastReplyState(page, 'final')

  await page.locator('#session-list .session-item[data-key="main"]').click()
  await expect(page.locator('.msg-user .bubble')).toHaveText(['SLOW tale for later'])
  await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')
  await expect(page.locator('#stop')).toBeVisible()
  await expectLastReplyState(page, 'final', 15_000)
  await expect(lastReply(page)).toContainText(' w80')
  await expect(page.locator('.msg-assistant')).toHaveCount(1)
  expect(stack.agent.count('SLOW tale for later')).toBe(1)
})
