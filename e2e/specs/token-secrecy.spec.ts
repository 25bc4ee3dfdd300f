import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import { expectConnected, expectLastReplyState, recordTraffic, send, signIn } from '../fixtures/page-helpers.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('the gateway token is in no response, frame, cookie, storage, page source or log', async ({ browser }) => {
  const context = await browser.newContext()
  const traffic = recordTraffic(context)
  const page = await context.newPage()
  const seen: Array<{ where: string; text: string }> = []

  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'is my token safe?')
  await expectLastReplyState(page, 'final')
  await page.click('#new-session-wide')
  await send(page, 'second session')
  await expectLastReplyState(page, 'final')
  await page.reload()
  await expectConnected(page)
  await expect(page.locator('.msg-user')).toHaveCount(1)
  seen.push({
    where: 'GET /clawchat/session',
    text: await page.evaluate(() => fetch('/clawchat/session').then((r) => r.text())),
  })
  seen.push({ where: 'page source', text: await page.content() })
  seen.push({ where: 'document.cookie', text: await page.evaluate(() => document.cookie) })
  seen.push({
    where: 'web storage',
    text: await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })),
  })
  seen.push({ where: 'cookies', text: JSON.stringify(await context.cookies()) })
  await page.click('#logout')
  await expect(page.locator('#login-view')).toBeVisible()
  seen.push({ where: 'page source after logout', text: await page.content() })
  await traffic.settle()
  await context.close()

  for (const r of traffic.http) seen.push({ where: `response ${r.status} ${r.url}`, text: `${r.headers}\n${r.body}` })
  for (const r of traffic.requests) seen.push({ where: `request ${r.url}`, text: `${r.headers}\n${r.body}` })
  for (const f of traffic.frames) seen.push({ where: `ws ${f.dir} ${f.url}`, text: f.payload })
  seen.push({ where: 'demo and proxy logs', text: stack.logs.join('\n') })

  // The recording is real: pages, scripts, API answers and a good number of frames both ways.
  expect(traffic.http.some((r) => r.url.endsWith('/assets/main.js') && r.body.length > 10_000)).toBe(true)
  expect(traffic.frames.filter((f) => f.dir === 'received').length).toBeGreaterThan(20)
  expect(traffic.frames.filter((f) => f.dir === 'sent').length).toBeGreaterThan(3)
  expect(traffic.frames.some((f) => f.payload.includes('is my token safe?'))).toBe(true)
  expect(traffic.sockets.every((s) => new URL(s.url).port === String(stack.demo.port))).toBe(true)

  const forms = [
    stack.token,
    Buffer.from(stack.token).toString('base64'),
    encodeURIComponent(stack.token),
    stack.token.slice(6, 30),
  ]
  const leaks = seen.filter((s) => forms.some((f) => s.text.includes(f))).map((s) => s.where)
  expect(leaks).toEqual([])
})
