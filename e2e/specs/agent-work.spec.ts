import { expect, test, type Page } from '@playwright/test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startDemo, type RunningDemo } from '../../demo/src/server/start-demo.js'
import { parseUsersSpec } from '../../demo/src/server/users.js'
import { USERS } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  keepScreenshot,
  lastReply,
  send,
  signIn,
} from '../fixtures/page-helpers.js'
import { TMP } from '../fixtures/paths.js'

/*
 * The agent's work in the demo page, on the demo's own mock gateway (exec in ask mode, the demo's
 * agent with its tool triggers) and proxy (approvals routed, users answer their own): a reply with a
 * tool card, an approval answered in the page (allowed, denied), a question answered, and all of it
 * back after a reload.
 */

let demo: RunningDemo
let dataDir: string
let baseUrl: string

test.beforeAll(async () => {
  mkdirSync(TMP, { recursive: true })
  dataDir = mkdtempSync(join(TMP, 'agent-work-'))
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    users: parseUsersSpec(`alice:${USERS.alice},bob:${USERS.bob},carol:${USERS.carol}:admin`),
    log: () => {},
  })
  baseUrl = `http://127.0.0.1:${demo.port}`
})
test.afterAll(async () => {
  await demo?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

/** A fresh chat, so each test's replies are its own. */
async function newChat(page: Page): Promise<void> {
  await page.click('#new-session-wide')
  await expect(page.locator('#empty')).toBeVisible()
}

const toolCard = (page: Page, name: string) =>
  lastReply(page).locator('.tool-card', { has: page.locator(`.tool-name:text-is("${name}")`) })

test('a tool call is a card in the reply: running, then done, with its arguments and output', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'read notes.txt')
  const card = toolCard(page, 'read')
  await expect(card).toBeVisible()
  await expect(card).toHaveAttribute('data-status', 'done')
  await expect(card.locator('.tool-state')).toHaveText('Done')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page).locator('.md')).toContainText('notes.txt')

  // Folded by default; the summary opens it (keyboard too) and shows the arguments and the output.
  await expect(card.locator('.tool-args')).toBeHidden()
  await card.locator('summary').focus()
  await page.keyboard.press('Enter')
  await expect(card.locator('.tool-args')).toContainText('"path": "notes.txt"')
  await expect(card.locator('.tool-output')).toBeVisible()
  await keepScreenshot(page, 'agent-work-tool-card')

  // After a reload the card is rebuilt from the history, in the same reply as the text.
  await page.reload()
  await expectConnected(page)
  const again = toolCard(page, 'read')
  await expect(again).toHaveAttribute('data-status', 'done')
  await expect(lastReply(page).locator('.md')).toContainText('notes.txt')
})

test('an approval answered in the page: Allow once runs the command, and its output appears', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'run echo hello-from-alice')
  const approval = lastReply(page).locator('.approval-card')
  await expect(approval).toHaveAttribute('data-state', 'pending')
  await expect(approval.locator('.approval-command')).toHaveText('echo hello-from-alice')
  // A plain user may allow once or deny, never "always" (a lasting grant for everyone).
  await expect(approval.getByRole('button')).toHaveText(['Allow once', 'Deny'])
  await expect(toolCard(page, 'exec')).toHaveAttribute('data-status', 'running')
  await keepScreenshot(page, 'agent-work-approval-desktop')

  await approval.getByRole('button', { name: 'Allow once' }).click()
  await expect(approval.locator('.card-outcome')).toHaveText('Allowed once by you')
  await expect(approval.getByRole('button')).toHaveCount(0)
  // The buttons are gone: the focus is on the sentence that replaced them, not lost.
  await expect(approval.locator('.card-outcome')).toBeFocused()
  const exec = toolCard(page, 'exec')
  await expect(exec).toHaveAttribute('data-status', 'done')
  await expectLastReplyState(page, 'final')
  await exec.locator('summary').click()
  await expect(exec.locator('.tool-output')).toHaveText(/hello-from-alice/)
  // The agent got the command's output back, and answered with it.
  await expect(lastReply(page).locator('.md')).toContainText('I ran echo hello-from-alice. It printed:')
  await expect(lastReply(page).locator('.md pre')).toHaveText('hello-from-alice')
  await keepScreenshot(page, 'agent-work-approval-allowed')
})

test('long output is folded behind "Show more", and unfolds', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  const words = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')
  await send(page, `run echo ${words}`)
  await lastReply(page).getByRole('button', { name: 'Allow once' }).click()
  const exec = toolCard(page, 'exec')
  await expect(exec).toHaveAttribute('data-status', 'done')
  await exec.locator('summary').click()
  const more = exec.getByRole('button', { name: 'Show more' })
  await expect(more).toHaveAttribute('aria-expanded', 'false')
  await expect(exec.locator('.tool-output')).not.toContainText('w299')
  await more.click()
  await expect(exec.getByRole('button', { name: 'Show less' })).toHaveAttribute('aria-expanded', 'true')
  await expect(exec.locator('.tool-output')).toContainText('w298 w299')
})

test('an approval denied in the page: the command does not run, and the reply says so', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'run echo never-printed')
  const approval = lastReply(page).locator('.approval-card')
  await expect(approval).toHaveAttribute('data-state', 'pending')
  await approval.getByRole('button', { name: 'Deny' }).click()
  await expect(approval.locator('.card-outcome')).toHaveText('Denied by you')
  const exec = toolCard(page, 'exec')
  await expect(exec).toHaveAttribute('data-status', 'failed')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page).locator('.md')).toContainText('was denied, so it did not run')
  await exec.locator('summary').click()
  await expect(exec.locator('.tool-output')).toContainText(/denied/i)
  await expect(exec.locator('.tool-state')).toHaveText('Denied')
})

test('a question answered with a click: the reply uses the answer', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'ask me')
  const question = lastReply(page).locator('.question-card')
  await expect(question).toHaveAttribute('data-state', 'pending')
  await expect(question.locator('legend')).not.toHaveText('')
  const options = question.locator('.question-option')
  await expect(options.first()).toBeVisible()
  const label = (await options.nth(1).textContent())!.trim()
  await keepScreenshot(page, 'agent-work-question')
  await options.nth(1).click()
  await expect(question.locator('.card-outcome')).toHaveText(`You answered: ${label}`)
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page).locator('.md')).toContainText(label)
})

test('a pending approval survives a reload, and is answered after it', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'run echo after-reload')
  await expect(lastReply(page).locator('.approval-card')).toHaveAttribute('data-state', 'pending')

  await page.reload()
  await expectConnected(page)
  const approval = page.locator('.approval-card[data-state="pending"]')
  await expect(approval).toHaveCount(1)
  await expect(approval.locator('.approval-command')).toHaveText('echo after-reload')
  // Next to the call that waits for it, in the reply of its run.
  await expect(page.locator('.msg-assistant .tool-card + .approval-card')).toHaveCount(1)
  await approval.getByRole('button', { name: 'Allow once' }).click()
  await expect(page.locator('.approval-card .card-outcome')).toHaveText('Allowed once by you')
  await expect(page.locator('.msg-assistant .md').last()).toContainText('It printed:', { timeout: 15_000 })
  await expect(page.locator('.msg-assistant .md pre').last()).toHaveText('after-reload')
})

test('a pending question survives a reload, and the answer given after it reaches the agent', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'ask me')
  await expect(lastReply(page).locator('.question-card')).toHaveAttribute('data-state', 'pending')

  await page.reload()
  await expectConnected(page)
  const question = page.locator('.question-card[data-state="pending"]')
  await expect(question).toHaveCount(1)
  await question.getByRole('button', { name: 'The proxy' }).click()
  await expect(page.locator('.question-card .card-outcome')).toHaveText('You answered: The proxy')
  await expect(page.locator('.msg-assistant .md').last()).toContainText('You chose The proxy', { timeout: 15_000 })
  // One card for the question's call (the tool_call and the ask_user it makes are one step).
  await expect(page.locator('.tool-card:visible')).toHaveCount(1)
})

test("bob sees nothing of alice's approval; the admin sees it as hers and answers it", async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  const bob = await (await browser.newContext()).newPage()
  await signIn(alice, baseUrl, 'alice')
  await signIn(bob, baseUrl, 'bob')
  await newChat(alice)
  await send(alice, 'run echo alice-only')
  await expect(lastReply(alice).locator('.approval-card')).toHaveAttribute('data-state', 'pending')

  const carol = await (await browser.newContext()).newPage()
  await signIn(carol, baseUrl, 'carol')
  const inTray = carol.locator('#pending-tray .approval-card')
  await expect(inTray).toHaveCount(1)
  await expect(inTray.locator('.card-sub')).toHaveText("alice's run")
  await expect(bob.locator('.approval-card')).toHaveCount(0)
  await expect(bob.locator('#pending-tray')).toBeHidden()

  await keepScreenshot(carol, 'agent-work-admin-tray')
  await inTray.getByRole('button', { name: 'Allow once' }).click()
  await expect(inTray.locator('.card-outcome')).toHaveText('Allowed once by you')
  await expect(lastReply(alice).locator('.card-outcome')).toHaveText('Allowed once by an administrator')
  await expect(lastReply(alice).locator('.md pre')).toHaveText('alice-only')
  await expect(bob.locator('.approval-card')).toHaveCount(0)
  for (const page of [alice, bob, carol]) await page.context().close()
})

test('an approval of a chat not on screen waits in the tray, and "Open chat" goes to it', async ({ page }) => {
  await signIn(page, baseUrl, 'alice')
  await newChat(page)
  await send(page, 'run echo from-the-tray')
  await expect(lastReply(page).locator('.approval-card')).toHaveAttribute('data-state', 'pending')
  const waitingChat = await page.evaluate(() => location.hash)

  await newChat(page)
  const tray = page.locator('#pending-tray')
  await expect(tray).toBeVisible()
  await expect(tray.locator('.approval-command')).toHaveText('echo from-the-tray')
  await keepScreenshot(page, 'agent-work-tray')
  await tray.getByRole('button', { name: 'Open chat' }).click()
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(waitingChat)
  await expect(tray).toBeHidden()
  const approval = page.locator('.msg-assistant .approval-card')
  await expect(approval).toHaveAttribute('data-state', 'pending')
  await approval.getByRole('button', { name: 'Allow once' }).click()
  await expect(approval.locator('.card-outcome')).toHaveText('Allowed once by you')
})

test.describe('on a site where only administrators answer', () => {
  let strict: RunningDemo
  let strictDir: string
  test.beforeAll(async () => {
    strictDir = mkdtempSync(join(TMP, 'agent-work-strict-'))
    strict = await startDemo({
      port: 0,
      host: '127.0.0.1',
      dataDir: strictDir,
      users: parseUsersSpec(`alice:${USERS.alice},carol:${USERS.carol}:admin`),
      log: () => {},
      proxyOptions: {
        approvals: { route: true, unattendedDenyMs: 1500 },
        policy: { approvals: { user: 'none', admin: 'any' } },
      },
    })
  })
  test.afterAll(async () => {
    await strict?.close()
    if (strictDir) rmSync(strictDir, { recursive: true, force: true })
  })

  test('the user sees "Waiting for an administrator", then the proxy\'s deny and why', async ({ page }) => {
    await signIn(page, `http://127.0.0.1:${strict.port}`, 'alice')
    await send(page, 'run echo nobody-here')
    const approval = lastReply(page).locator('.approval-card')
    await expect(approval.locator('.approval-wait')).toHaveText('Waiting for an administrator')
    await expect(approval.getByRole('button')).toHaveCount(0)
    await keepScreenshot(page, 'agent-work-waiting-admin')
    // No administrator is connected: the proxy denies it after unattendedDenyMs, and says so.
    await expect(approval.locator('.card-outcome')).toHaveText('Denied automatically: nobody could approve', {
      timeout: 15_000,
    })
    await expect(approval.locator('.card-reason')).not.toHaveText('')
    await expectLastReplyState(page, 'final')
    await expect(lastReply(page).locator('.md')).toContainText('was denied, so it did not run')
    await keepScreenshot(page, 'agent-work-denied-automatically')
  })
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

  test('the cards fit the column and their buttons are big enough to tap', async ({ page }) => {
    await signIn(page, baseUrl, 'bob')
    await send(page, 'run echo phone-check')
    const approval = lastReply(page).locator('.approval-card')
    await expect(approval).toHaveAttribute('data-state', 'pending')
    const box = (await approval.boundingBox())!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(390)
    const allow = approval.getByRole('button', { name: 'Allow once' })
    expect((await allow.boundingBox())!.height).toBeGreaterThanOrEqual(44)
    await keepScreenshot(page, 'agent-work-approval-phone')
    await allow.tap()
    await expect(approval.locator('.card-outcome')).toHaveText('Allowed once by you')
    await expectLastReplyState(page, 'final')
    await send(page, 'ask me')
    await expect(lastReply(page).locator('.question-card')).toHaveAttribute('data-state', 'pending')
    await keepScreenshot(page, 'agent-work-question-phone')
    await lastReply(page).locator('.question-option').first().tap()
    await expectLastReplyState(page, 'final')
    await keepScreenshot(page, 'agent-work-phone-done')
  })
})
