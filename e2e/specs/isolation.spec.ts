import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  recordTraffic,
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

test('alice and bob chat at the same time and never see each other’s text or sessions', async ({ browser }) => {
  const aliceContext = await browser.newContext()
  const bobContext = await browser.newContext()
  const aliceTraffic = recordTraffic(aliceContext)
  const bobTraffic = recordTraffic(bobContext)
  const alice = await aliceContext.newPage()
  const bob = await bobContext.newPage()
  await Promise.all([signIn(alice, stack.baseUrl, 'alice'), signIn(bob, stack.baseUrl, 'bob')])

  // Both in their "main" session, at the same moment; then each in a new session of their own.
  await Promise.all([send(alice, 'ALICE-SECRET-apricot SLOW'), send(bob, 'BOB-SECRET-blueberry')])
  await Promise.all([expectLastReplyState(alice, 'final', 20_000), expectLastReplyState(bob, 'final', 20_000)])
  await alice.click('#new-session-wide')
  await send(alice, 'ALICE-SECRET-plum')
  await expectLastReplyState(alice, 'final')
  const aliceNewKey = await alice.locator('#session-list .session-item[aria-current="true"]').getAttribute('data-key')

  await expect(alice.locator('#messages')).toContainText('Reply to "ALICE-SECRET-plum"')
  await expect(bob.locator('#messages')).toContainText('Reply to "BOB-SECRET-blueberry"')

  // Bob's session list has no session of alice's; reloads show each their own history only.
  await bob.reload()
  await expectConnected(bob)
  await expect(userMessages(bob)).toHaveText(['BOB-SECRET-blueberry'])
  await expect(bob.locator(`#session-list .session-item[data-key="${aliceNewKey}"]`)).toHaveCount(0)
  await expect(bob.locator('#session-list .session-item')).toHaveCount(1)
  await alice.goto(`${stack.baseUrl}/`)
  await expectConnected(alice)
  await expect(userMessages(alice)).toHaveText(['ALICE-SECRET-apricot SLOW'])
  await expect(alice.locator('#session-list .session-item')).toHaveCount(2)

  // Bob asking for alice's new session by name gets an empty chat of his own, not hers.
  await bob.goto(`${stack.baseUrl}/#chat=${aliceNewKey}`)
  await bob.reload()
  await expectConnected(bob)
  await expect(bob.locator('#session-list .session-item[aria-current="true"]')).toHaveAttribute(
    'data-key',
    aliceNewKey!,
  )
  await expect(bob.locator('#empty')).toBeVisible()
  await bob.waitForTimeout(500)
  await expect(userMessages(bob)).toHaveCount(0)

  await Promise.all([aliceTraffic.settle(), bobTraffic.settle()])
  const bobSaw = [
    ...bobTraffic.frames.map((f) => f.payload),
    ...bobTraffic.http.map((r) => r.body),
    await bob.content(),
  ].join('\n')
  const aliceSaw = [
    ...aliceTraffic.frames.map((f) => f.payload),
    ...aliceTraffic.http.map((r) => r.body),
    await alice.content(),
  ].join('\n')
  expect(bobSaw).toContain('BOB-SECRET-blueberry')
  expect(aliceSaw).toContain('ALICE-SECRET-apricot')
  expect(bobSaw).not.toContain('ALICE-SECRET')
  expect(aliceSaw).not.toContain('BOB-SECRET')
  await aliceContext.close()
  await bobContext.close()
})
