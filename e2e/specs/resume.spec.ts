import { expect, test, type Page } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  keepScreenshot,
  lastReply,
  recordTraffic,
  replies,
  send,
  signIn,
  userMessages,
  watchReplyGrowth,
} from '../fixtures/page-helpers.js'
import { controlChatSocket, wordCounts } from '../fixtures/manage-helpers.js'

// Issue 20, "Resume": a reply in progress is followed after a reload and in a tab opened mid-run
// (`chat.attach`: the text so far at once, then the rest, exactly once); the send queue and the
// composer's draft survive a reload.

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

/** The last reply's text as the page holds it (textContent: no line breaks of the layout). */
const replyText = async (page: Page) => (await lastReply(page).locator('.md').textContent())!.trim()

test('a reload mid-reply shows the text so far, then the rest, once: the same text as a page that stayed', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const stayed = await context.newPage()
  await signIn(page, stack.baseUrl, 'alice', '#chat=reload')
  await stayed.goto(`${stack.baseUrl}/#chat=reload`)
  await expectConnected(stayed)

  const question = 'SLOW story that survives a reload'
  await send(page, question)
  await expect(lastReply(page)).toContainText(' w6', { timeout: 10_000 })
  const before = await replyText(page)
  await page.reload()
  await expectConnected(page)
  const growth = await watchReplyGrowth(page)

  // The reply is there at once with the text so far, still arriving, Stop offered.
  await expect(userMessages(page)).toHaveText([question])
  await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')
  await expect(lastReply(page).locator('.md')).toContainText(before)
  expect((await replyText(page)).startsWith(before)).toBe(true)
  await expect(page.locator('#stop')).toBeVisible()
  await keepScreenshot(page, 'resume-after-reload')

  await expectLastReplyState(page, 'final', 20_000)
  await expectLastReplyState(stayed, 'final', 20_000)
  const text = await replyText(page)
  expect(text).toBe(await replyText(stayed))
  expect(wordCounts(text, 80)).toEqual(Array(80).fill(1))
  await expect(replies(page)).toHaveCount(1)
  await expect(replies(stayed)).toHaveCount(1)
  await expect(userMessages(stayed)).toHaveText([question])
  // It only grew: never started again from nothing, never shrank.
  const steps = await growth()
  for (let i = 1; i < steps.length; i++) expect(steps[i]!.len).toBeGreaterThanOrEqual(steps[i - 1]!.len)
  expect(stack.agent.count(question)).toBe(1)

  await page.reload()
  await expectConnected(page)
  await expect(replies(page)).toHaveCount(1)
  await expect(lastReply(page).locator('.md')).toHaveText(text)
  await context.close()
})

test('a tab opened mid-run follows the reply to its end; bob, on the same chat name, sees nothing of it', async ({
  browser,
}) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, stack.baseUrl, 'alice', '#chat=second-tab')
  const question = 'SLOW tale for a second tab'
  await send(page, question)
  await expect(lastReply(page)).toContainText(' w5', { timeout: 10_000 })

  const tab = await context.newPage()
  await tab.goto(`${stack.baseUrl}/#chat=second-tab`)
  await expectConnected(tab)
  await expect(userMessages(tab)).toHaveText([question])
  await expect(lastReply(tab)).toHaveAttribute('data-state', 'streaming')
  await expect(lastReply(tab)).toContainText(' w5')
  await expect(tab.locator('#stop')).toBeVisible()
  await expect(tab.locator('#session-list .session-item[data-key="second-tab"] .live')).toBeVisible()

  // Bob opens a chat of his own under the same name while alice's reply streams: nothing to follow.
  const bobContext = await browser.newContext()
  const bobTraffic = recordTraffic(bobContext)
  const bob = await bobContext.newPage()
  await signIn(bob, stack.baseUrl, 'bob', '#chat=second-tab')
  await expect(bob.locator('#empty')).toBeVisible()
  await expect(lastReply(page)).toContainText(' w20', { timeout: 10_000 })
  await expect(replies(bob)).toHaveCount(0)
  await expect(bob.locator('#send')).toBeVisible()
  await expect(bob.locator('#stop')).toBeHidden()

  await expectLastReplyState(tab, 'final', 20_000)
  await expectLastReplyState(page, 'final', 20_000)
  expect(await replyText(tab)).toBe(await replyText(page))
  expect(wordCounts(await replyText(tab), 80)).toEqual(Array(80).fill(1))
  await expect(replies(tab)).toHaveCount(1)
  await expect(tab.locator('#send')).toBeVisible()
  expect(stack.agent.count(question)).toBe(1)

  await bobTraffic.settle()
  const bobSaw = [...bobTraffic.frames.map((f) => f.payload), await bob.content()].join('\n')
  expect(bobSaw).not.toContain('tale for a second tab')
  expect(bobSaw).not.toContain(' w20')
  await expect(replies(bob)).toHaveCount(0)
  await bobContext.close()
  await context.close()
})

test('Stop in a tab that follows a reply stops the run for every tab', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, stack.baseUrl, 'alice', '#chat=stop-elsewhere')
  await send(page, 'SLOW tale to stop from another tab')
  await expect(lastReply(page)).toContainText(' w3', { timeout: 10_000 })
  const tab = await context.newPage()
  await tab.goto(`${stack.baseUrl}/#chat=stop-elsewhere`)
  await expectConnected(tab)
  await expect(lastReply(tab)).toHaveAttribute('data-state', 'streaming')

  stack.mock.clearRequests()
  await tab.click('#stop')
  await stack.mock.waitForRequest('chat.abort', 5_000)
  await expectLastReplyState(tab, 'aborted', 5_000)
  await expectLastReplyState(page, 'aborted', 5_000)
  await expect(lastReply(tab).locator('.msg-status')).toHaveText('Stopped')
  await expect(lastReply(page).locator('.msg-status')).toHaveText('Stopped')
  expect(await replyText(page)).not.toContain(' w80')
  await expect(tab.locator('#send')).toBeVisible()
  await context.close()
})

test('a message sent while offline and then a reload goes out once, after the reload', async ({ page }) => {
  const socket = await controlChatSocket(page)
  await signIn(page, stack.baseUrl, 'bob', '#chat=offline-reload')
  socket.block()
  await expect(page.locator('#connection')).not.toHaveAttribute('data-state', 'open')
  const question = 'queued before the reload'
  await send(page, question)
  await expect(page.locator('.msg-user').last()).toHaveAttribute('data-status', 'queued')

  await page.reload()
  // The page is back without a connection: the message is shown again, still waiting.
  await expect(page.locator('#chat-view')).toBeVisible()
  await expect(userMessages(page)).toHaveText([question])
  await expect(page.locator('.msg-user').last()).toHaveAttribute('data-status', 'queued')
  await keepScreenshot(page, 'resume-queued-after-reload')
  expect(stack.agent.count(question)).toBe(0)

  socket.unblock()
  await expectConnected(page, 30_000)
  await expectLastReplyState(page, 'final', 20_000)
  await expect(lastReply(page)).toContainText(`Reply to "${question}"`)
  await expect(userMessages(page)).toHaveText([question])
  await expect(replies(page)).toHaveCount(1)
  expect(stack.agent.count(question)).toBe(1)

  await page.reload()
  await expectConnected(page)
  await expect(userMessages(page)).toHaveText([question])
  await expect(replies(page)).toHaveCount(1)
  expect(stack.agent.count(question)).toBe(1)
})

test('the composer keeps a draft per chat over a switch and a reload, and forgets it once sent', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob', '#chat=drafts')
  const input = page.locator('#input')
  await input.fill('half a thought for drafts')
  await page.click('#new-session-wide')
  await expect(input).toHaveValue('')
  await input.fill('another chat, another draft')
  await page.locator('#session-list .session-item[data-key="drafts"]').click()
  await expect(input).toHaveValue('half a thought for drafts')

  await page.reload()
  await expectConnected(page)
  await expect(input).toHaveValue('half a thought for drafts')
  await input.press('Enter')
  await expectLastReplyState(page, 'final')
  await expect(input).toHaveValue('')
  await page.reload()
  await expectConnected(page)
  await expect(input).toHaveValue('')
})
