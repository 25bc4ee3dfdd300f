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
} from '../fixtures/page-helpers.js'
import { currentKey, renameChat, replyMd, rowAction, rowTitles, sessionRow } from '../fixtures/manage-helpers.js'

// Issue 20, "Manage chats", in the page: rename inline, pin, delete with an undo, regenerate the
// last reply, edit one of the user's messages — and another user sees none of it.

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

/** Sends `text` in a new chat and waits for its reply; returns the chat's key. */
async function newChat(page: Page, text: string): Promise<string> {
  await page.click('#new-session-wide')
  await send(page, text)
  await expectLastReplyState(page, 'final')
  return currentKey(page)
}

const title = (page: Page, key: string) => sessionRow(page, key).locator('.session-name')

test('rename inline: Enter saves, Escape cancels, a taken name is refused, the name stays after a reload', async ({
  page,
}) => {
  await signIn(page, stack.baseUrl, 'alice')
  const trip = await newChat(page, 'plans for the weekend')
  const other = await newChat(page, 'a recipe for soup')
  await expect(title(page, trip)).toHaveText('plans for the weekend')

  await renameChat(page, trip, 'Trip to Lisbon')
  await expect(title(page, trip)).toHaveText('Trip to Lisbon')
  await expect(sessionRow(page, trip).locator('.session-rename-input')).toHaveCount(0)

  // Escape leaves the name as it was; nothing is sent.
  stack.mock.clearRequests()
  await sessionRow(page, other).locator('.session-name').dblclick()
  const input = sessionRow(page, other).locator('.session-rename-input')
  await input.fill('Never saved')
  await input.press('Escape')
  await expect(title(page, other)).toHaveText('a recipe for soup')
  expect(stack.mock.requests.filter((r) => r.method === 'sessions.patch')).toEqual([])

  // One user cannot give two chats the same name: the error shows under the box, which stays open.
  await renameChat(page, other, 'Trip to Lisbon')
  const error = sessionRow(page, other).locator('.session-error')
  await expect(error).toBeVisible()
  await expect(error).toContainText('Trip to Lisbon')
  await expect(error).not.toContainText(stack.token)
  await keepScreenshot(page, 'manage-rename-taken')
  await input.press('Escape')
  await expect(title(page, other)).toHaveText('a recipe for soup')

  await page.reload()
  await expectConnected(page)
  await expect(title(page, trip)).toHaveText('Trip to Lisbon')
  await sessionRow(page, trip).click()
  await expect(page.locator('#session-title')).toHaveText('Trip to Lisbon')

  // An empty name gives the chat back its own title.
  await renameChat(page, trip, '')
  await expect(title(page, trip)).toHaveText('plans for the weekend')
})

test('pin keeps a chat on top; unpin puts it back in order of activity', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob')
  const older = await newChat(page, 'the older chat')
  const newer = await newChat(page, 'the newer chat')
  await expect(rowTitles(page).first()).toHaveText('the newer chat')

  await rowAction(page, older, 'pin')
  await expect(rowTitles(page).first()).toHaveText('the older chat')
  await expect(sessionRow(page, older)).toHaveAttribute('data-pinned', 'true')
  // Activity in another chat does not move it from the top.
  await sessionRow(page, newer).click()
  await send(page, 'more in the newer chat')
  await expectLastReplyState(page, 'final')
  await page.reload()
  await expectConnected(page)
  await expect(rowTitles(page).first()).toHaveText('the older chat')
  await keepScreenshot(page, 'manage-pinned')

  await rowAction(page, older, 'pin')
  await expect(sessionRow(page, older)).not.toHaveAttribute('data-pinned', 'true')
  await expect(rowTitles(page).first()).toHaveText('the newer chat')
})

test('delete: the chat leaves at once, Undo brings it back, otherwise it is gone for good', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'a word in the main chat')
  await expectLastReplyState(page, 'final')
  const keep = await newChat(page, 'a chat to keep')
  const doomed = await newChat(page, 'a chat to delete')
  // The gateway never deletes the main chat: no Delete there.
  await sessionRow(page, 'main').hover()
  await expect(sessionRow(page, 'main').locator('.session-rename')).toBeVisible()
  await expect(sessionRow(page, 'main').locator('.session-delete')).toHaveCount(0)

  await rowAction(page, doomed, 'pin')
  await expect(sessionRow(page, doomed)).toHaveAttribute('data-pinned', 'true')
  await rowAction(page, doomed, 'delete')
  await expect(sessionRow(page, doomed)).toHaveCount(0)
  // The chat on screen was the deleted one: another takes its place.
  expect(await currentKey(page)).not.toBe(doomed)
  const toast = page.locator('#toast')
  await expect(toast).toContainText('Deleted “a chat to delete”')
  await keepScreenshot(page, 'manage-deleted-undo')
  await toast.getByRole('button', { name: 'Undo' }).click()
  await expect(sessionRow(page, doomed)).toBeVisible()
  await expect(sessionRow(page, doomed)).toHaveAttribute('data-pinned', 'true')
  expect(await currentKey(page)).toBe(doomed)
  await expect(userMessages(page)).toHaveText(['a chat to delete'])

  stack.mock.clearRequests()
  await rowAction(page, doomed, 'delete')
  await expect(sessionRow(page, doomed)).toHaveCount(0)
  await stack.mock.waitForRequest('sessions.delete', 10_000)
  await expect(toast).toBeHidden()
  await page.reload()
  await expectConnected(page)
  await expect(sessionRow(page, keep)).toBeVisible()
  await expect(sessionRow(page, doomed)).toHaveCount(0)
  await page.goto(`${stack.baseUrl}/#chat=${doomed}`)
  await page.reload()
  await expectConnected(page)
  await expect(page.locator('#empty')).toBeVisible()
  await expect(userMessages(page)).toHaveCount(0)
})

test('regenerate answers the last question again: the old reply goes, once', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob', '#chat=regenerate')
  await send(page, 'NTH first question')
  await expectLastReplyState(page, 'final')
  await send(page, 'NTH second question')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page)).toHaveText(/Answer number 1 to "NTH second question"/)
  // Only the last reply offers Regenerate.
  await expect(page.locator('.msg-regenerate:visible')).toHaveCount(1)

  await lastReply(page).locator('.msg-regenerate').click()
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page).locator('.md')).toHaveText('Answer number 2 to "NTH second question".')
  await expect(userMessages(page)).toHaveText(['NTH first question', 'NTH second question'])
  await expect(replies(page)).toHaveCount(2)
  await keepScreenshot(page, 'manage-regenerated')
  expect(stack.agent.count('NTH second question')).toBe(2)

  await page.reload()
  await expectConnected(page)
  await expect(userMessages(page)).toHaveText(['NTH first question', 'NTH second question'])
  await expect(replyMd(page, 0)).toHaveText('Answer number 1 to "NTH first question".')
  await expect(replyMd(page, 1)).toHaveText('Answer number 2 to "NTH second question".')
})

test('edit a message: it and everything after it are replaced by the new text and its reply', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'alice', '#chat=edit')
  for (const text of ['NTH a question with a typo', 'NTH a follow-up'])
    await send(page, text).then(() => expectLastReplyState(page, 'final'))

  const first = page.locator('.msg-user').first()
  await first.hover()
  await first.locator('.msg-edit').click()
  const box = first.locator('.msg-edit-input')
  await expect(box).toBeFocused()
  await expect(box).toHaveValue('NTH a question with a typo')
  await keepScreenshot(page, 'manage-editing')
  // Escape leaves it as it was.
  await box.press('Escape')
  await expect(userMessages(page)).toHaveText(['NTH a question with a typo', 'NTH a follow-up'])

  await first.hover()
  await first.locator('.msg-edit').click()
  await box.fill('NTH a question without a typo')
  await box.press('Enter')
  await expectLastReplyState(page, 'final')
  await expect(userMessages(page)).toHaveText(['NTH a question without a typo'])
  await expect(replies(page)).toHaveCount(1)
  await expect(lastReply(page).locator('.md')).toHaveText('Answer number 1 to "NTH a question without a typo".')

  await page.reload()
  await expectConnected(page)
  await expect(userMessages(page)).toHaveText(['NTH a question without a typo'])
  await expect(replies(page)).toHaveCount(1)
  expect(stack.agent.count('NTH a follow-up')).toBe(1)

  // Drawn from the history, a message carries its id: edited again, straight away.
  await expect(first).toHaveAttribute('data-entry-id', /.+/)
  await first.hover()
  await first.locator('.msg-edit').click()
  await box.fill('NTH the third version')
  await first.locator('.msg-edit-send').click()
  await expectLastReplyState(page, 'final')
  await expect(userMessages(page)).toHaveText(['NTH the third version'])
  await expect(lastReply(page).locator('.md')).toHaveText('Answer number 1 to "NTH the third version".')
})

test('bob sees none of alice’s chats, names or changes, and may use the same name', async ({ browser }) => {
  const aliceContext = await browser.newContext()
  const bobContext = await browser.newContext()
  const bobTraffic = recordTraffic(bobContext)
  const alice = await aliceContext.newPage()
  const bob = await bobContext.newPage()
  await signIn(alice, stack.baseUrl, 'alice')
  await signIn(bob, stack.baseUrl, 'bob')
  const secret = await newChat(alice, 'ALICE-PRIVATE chat')
  await renameChat(alice, secret, 'ALICE-LABEL Secret plans')
  await expect(title(alice, secret)).toHaveText('ALICE-LABEL Secret plans')
  await rowAction(alice, secret, 'pin')
  const shared = await newChat(alice, 'a chat with a common name')
  await renameChat(alice, shared, 'Groceries')
  await expect(title(alice, shared)).toHaveText('Groceries')

  // Bob's rename to the same name works: labels are per user.
  const bobs = await newChat(bob, 'BOB chat about food')
  await renameChat(bob, bobs, 'Groceries')
  await expect(title(bob, bobs)).toHaveText('Groceries')
  await expect(bob.locator('.session-error')).toHaveCount(0)
  await bob.reload()
  await expectConnected(bob)
  await expect(bob.locator(`#session-list .session-item[data-key="${secret}"]`)).toHaveCount(0)
  await expect(bob.locator(`#session-list .session-item[data-key="${shared}"]`)).toHaveCount(0)

  await bobTraffic.settle()
  const bobSaw = [
    ...bobTraffic.frames.map((f) => f.payload),
    ...bobTraffic.http.map((r) => r.body),
    await bob.content(),
  ]
  const all = bobSaw.join('\n')
  expect(all).toContain('Groceries')
  expect(all).not.toContain('ALICE')
  expect(all).not.toContain(secret)
  await aliceContext.close()
  await bobContext.close()
})
