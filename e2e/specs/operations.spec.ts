import { expect, test } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import { signIn } from '../fixtures/page-helpers.js'

// Issue 22: what an operator's probes and Prometheus see of the demo (the proxy on the mock gateway).
let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('healthz and readyz answer an orchestrator without a session, and readyz follows the gateway', async ({
  request,
}) => {
  const health = await request.get(`${stack.baseUrl}/clawchat/healthz`)
  expect(health.status()).toBe(200)
  expect(await health.json()).toEqual({ status: 'ok' })
  await expect
    .poll(async () => (await request.get(`${stack.baseUrl}/clawchat/readyz`)).status(), { timeout: 10_000 })
    .toBe(200)
  const ready = await (await request.get(`${stack.baseUrl}/clawchat/readyz`)).json()
  expect(ready).toMatchObject({ status: 'ready', checks: { gateway: 'up', admission: 'accepting' } })

  // The host suspends the gateway: not ready, with a reason; resumed: ready again.
  await stack.mock.suspend()
  await expect
    .poll(async () => (await request.get(`${stack.baseUrl}/clawchat/readyz`)).status(), { timeout: 10_000 })
    .toBe(503)
  const suspended = await request.get(`${stack.baseUrl}/clawchat/readyz`)
  const body = await suspended.text()
  expect(JSON.parse(body)).toMatchObject({ status: 'not ready', checks: { gateway: 'up', admission: 'prepared' } })
  expect(JSON.parse(body).reason).toContain('suspended')
  expect(body).not.toContain(stack.token)
  expect(stack.mock.resumeFromSuspension()).toBe(true)
  await expect
    .poll(async () => (await request.get(`${stack.baseUrl}/clawchat/readyz`)).status(), { timeout: 10_000 })
    .toBe(200)
})

test('the metrics count what a user did, for this machine only, and name no user', async ({ page, request }) => {
  await signIn(page, stack.baseUrl, 'alice')
  const scrape = async () => (await request.get(`${stack.baseUrl}/clawchat/metrics`)).text()
  await expect.poll(scrape, { timeout: 10_000 }).toContain('clawchat_connections{surface="relay"} 1')
  const text = await scrape()
  expect(text).toContain('clawchat_gateway_link_state{state="up"} 1')
  expect(text).toMatch(/clawchat_browser_frames_total\{direction="out",kind="event"\} [1-9]/)
  expect(text).not.toContain('alice')
  expect(text).not.toContain(stack.token)
})
