import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  lastReply,
  replies,
  send,
  signIn,
  userMessages,
  watchReplyGrowth,
} from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('signs in, streams a reply that grows, reaches the final state, and shows it again after a reload', async ({
  page,
}) => {
  await signIn(page, stack.baseUrl, 'alice')
  await expect(page.locator('#me-name')).toHaveText('Alice')
  const growth = await watchReplyGrowth(page)

  await send(page, 'hello streaming world')
  await expect(userMessages(page).last()).toHaveText('hello streaming world')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page)).toContainText('Reply to "hello streaming world": w1 w2')
  await expect(lastReply(page)).toContainText('w12')

  // The text arrived in steps while the reply was streaming, each longer than the last.
  const steps = await growth()
  const streaming = steps.filter((s) => s.state === 'streaming')
  expect(streaming.length, JSON.stringify(steps)).toBeGreaterThanOrEqual(4)
  for (let i = 1; i < streaming.length; i++) expect(streaming[i]!.len).toBeGreaterThan(streaming[i - 1]!.len)
  expect(steps.at(-1)!.state).toBe('final')
  expect(steps.at(-1)!.len).toBeGreaterThan(streaming.at(-1)!.len - 1)

  await page.reload()
  await expectConnected(page)
  await expect(userMessages(page)).toHaveText(['hello streaming world'])
  await expect(replies(page)).toHaveCount(1)
  await expect(lastReply(page)).toContainText('Reply to "hello streaming world": w1 w2')
  await expect(lastReply(page)).toContainText('w12')
  await expect(lastReply(page)).toHaveAttribute('data-state', 'final')
})

test('Enter sends, Shift+Enter adds a line', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob')
  const before = await userMessages(page).count()
  const input = page.locator('#input')
  await input.click()
  await input.pressSequentially('first line')
  await input.press('Shift+Enter')
  await input.pressSequentially('second line')
  await expect(input).toHaveValue('first line\nsecond line')
  expect(await userMessages(page).count()).toBe(before)

  await input.press('Enter')
  await expect(input).toHaveValue('')
  await expect(userMessages(page)).toHaveCount(before + 1)
  expect(await userMessages(page).last().innerText()).toBe('first line\nsecond line')
  await expectLastReplyState(page, 'final')
  expect(stack.agent.count('first line\nsecond line')).toBe(1)
})

test('a reply carrying script is rendered as inert markdown', async ({ page }) => {
  const dialogs: string[] = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'XSS please')
  await expectLastReplyState(page, 'final')
  const reply = lastReply(page).locator('.md')
  await expect(reply).toContainText('Here comes trouble')
  await expect(reply.locator('strong')).toHaveText('XSS-END')

  // Nothing ran, and nothing that could run is left in the DOM. An image's error handler runs when
  // its load fails: wait for every image to settle (a handler added now runs after any inline one).
  await reply.evaluate((root) =>
    Promise.all(
      [...root.querySelectorAll('img')].map((img) =>
        img.complete
          ? undefined
          : new Promise((settled) => {
              img.addEventListener('error', settled, { once: true })
              img.addEventListener('load', settled, { once: true })
            }),
      ),
    ),
  )
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
  expect(dialogs).toEqual([])
  expect(await reply.locator('script, iframe, object, embed, form').count()).toBe(0)
  const dangerous = await reply.evaluate((root) =>
    [...root.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes]
        .filter((a) => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value))
        .map((a) => `${el.tagName}[${a.name}=${a.value}]`),
    ),
  )
  expect(dangerous).toEqual([])
})

test('a new chat gets its own history and shows in the session list', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob')
  const items = page.locator('#session-list .session-item')
  await expect(items.first()).toBeVisible()
  const mainKey = await page.locator('#session-list .session-item[aria-current="true"]').getAttribute('data-key')
  expect(mainKey).toBe('main')

  await page.click('#new-session-wide')
  await expect(page.locator('#empty')).toBeVisible()
  await expect(userMessages(page)).toHaveCount(0)
  const newKey = await page.locator('#session-list .session-item[aria-current="true"]').getAttribute('data-key')
  expect(newKey).toMatch(/^chat-/)
  expect(page.url()).toContain(`#chat=${newKey}`)

  await send(page, 'side topic message')
  await expectLastReplyState(page, 'final')
  await expect(userMessages(page)).toHaveText(['side topic message'])

  // Back to main: its history, without the side topic.
  await page.locator(`#session-list .session-item[data-key="main"]`).click()
  await expect(page.locator('#session-list .session-item[aria-current="true"]')).toHaveAttribute('data-key', 'main')
  await expect(userMessages(page).filter({ hasText: 'side topic message' })).toHaveCount(0)

  // The new chat is still listed after a reload (the server knows it), with its history.
  await page.reload()
  await expectConnected(page)
  await expect(page.locator(`#session-list .session-item[data-key="${newKey}"]`)).toBeVisible()
  await page.locator(`#session-list .session-item[data-key="${newKey}"]`).click()
  await expect(userMessages(page)).toHaveText(['side topic message'])
})
