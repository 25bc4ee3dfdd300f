/**
 * Issue 22, item 2: the Control UI's consoles apart from the relay — their open sockets, refused
 * upgrades and rate-limited requests, under `surface="control-ui"` / `scope="control-ui"`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Harness } from './helpers/harness.js'
import { sample, scrape } from './helpers/metrics-scrape.js'
import { CONSOLE_PATH, consoleAs, rawUpgrade, startConsoleHarness } from './control-ui/console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('the Control UI in the figures', () => {
  it('counts its consoles, refusals and rate limits apart from the relay', async () => {
    h = await startConsoleHarness({ limits: { requestsPerMinute: 2 } }, { proxy: { metrics: true } })
    await h.waitForLinkUp()
    const bob = await h.login({ id: 'bob', role: 'user' })
    const admin = await h.login({ id: 'root', role: 'admin' })
    expect(await h.upgradeStatus(undefined, {}, CONSOLE_PATH)).toBe(401)
    expect(await h.upgradeStatus(bob, {}, CONSOLE_PATH)).toBe(403)
    expect(await h.upgradeStatus(admin, { origin: 'https://evil.example' }, CONSOLE_PATH)).toBe(403)
    expect((await rawUpgrade(h, `${CONSOLE_PATH}/%2e%2e`, { cookie: admin })).status).toBe(400)

    const { page, hello } = await consoleAs(h, { id: 'root', role: 'admin' })
    expect(hello.ok).toBe(true)
    const answers = await Promise.all([1, 2, 3, 4].map(() => page.request('status', {})))
    const limited = answers.filter((a) => a.error?.code === 'RATE_LIMITED').length
    expect(limited).toBeGreaterThan(0)

    const stats = h.proxy.stats()
    expect(stats.controlUi).toEqual({ connections: 1, users: 1 })
    expect(stats.refusedUpgrades).toEqual({
      relay: {},
      'control-ui': { unauthenticated: 1, forbidden: 1, origin: 1, 'bad-request': 1 },
    })
    expect(stats.rateLimited).toEqual({ 'control-ui': limited })
    const text = await scrape(`${h.baseUrl}/clawchat/metrics`)
    expect(sample(text, 'clawchat_connections', { surface: 'control-ui' })).toBe(1)
    expect(sample(text, 'clawchat_users', { surface: 'control-ui' })).toBe(1)
    expect(sample(text, 'clawchat_connections', { surface: 'relay' })).toBe(0)
    expect(sample(text, 'clawchat_upgrades_refused_total', { surface: 'control-ui' })).toBe(4)
    expect(sample(text, 'clawchat_upgrades_refused_total', { surface: 'control-ui', reason: 'forbidden' })).toBe(1)
    expect(sample(text, 'clawchat_rate_limited_total', { scope: 'control-ui' })).toBe(limited)
    for (const name of ['root', 'bob', h.token]) expect(text).not.toContain(`"${name}"`)
    expect(text).not.toContain(h.token)
  })
})
