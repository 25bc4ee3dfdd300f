/**
 * Issue 22, item 2: a real session against the mock gateway — connect, chat.send, refused upgrades, a
 * rate-limited burst, a gateway restart — moves the figures in the scrape and in `proxy.stats()` as
 * a user would expect; no user id, session id, key or token ever appears in the scrape; two proxies
 * in one process keep their own counts.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'
import { sample, scrape } from './helpers/metrics-scrape.js'

const harnesses: Harness[] = []
afterEach(async () => {
  for (const h of harnesses.splice(0).reverse()) await h.close()
})

async function start(options: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(options)
  harnesses.push(h)
  await h.waitForLinkUp()
  return h
}

/** The session id inside express-session's cookie (`app.sid=s%3A<sid>.<signature>`). */
const sessionIdOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!

describe('a session, as the figures see it', () => {
  it('counts connections, refusals, frames, rate limits, latency and a link restart — in stats() and the scrape', async () => {
    const h = await start({ proxy: { metrics: true, limits: { messagesPerSecond: 5 } } })
    const userId = `user-${randomUUID()}`
    const cookie = await h.login({ id: userId })
    const alice = await h.open(cookie)
    await alice.waitForEvent('connect.challenge')
    expect((await alice.connect()).ok).toBe(true)
    const key = `k-${randomUUID()}`
    expect((await alice.request('chat.send', { message: 'hello metrics', idempotencyKey: key })).ok).toBe(true)
    // A method outside the relayable list: its name never becomes a label.
    const strange = `x-${userId}`
    expect((await alice.request(strange, {})).error?.code).toBe('FORBIDDEN')
    await alice.waitForEvent('chat', (p) => p.runId === key && p.state === 'final')

    // Refused upgrades: nobody logged in; a foreign Origin.
    expect(await h.upgradeStatus(undefined)).toBe(401)
    expect(await h.upgradeStatus(cookie, { Origin: 'https://evil.example' })).toBe(403)

    // A burst over messagesPerSecond (5): some are answered RATE_LIMITED.
    const burst = await Promise.all(Array.from({ length: 12 }, () => alice.request('sessions.list', {})))
    const limited = burst.filter((f) => f.error?.code === 'RATE_LIMITED').length
    expect(limited).toBeGreaterThan(0)

    // The gateway restarts: the link goes down and comes back.
    await h.gateway!.restart()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down', 10_000)
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 10_000)
    await waitFor(() => h.proxy.stats().gatewayReconnects === 1, 5000, 'the reconnect to be counted')

    const stats = h.proxy.stats()
    const text = await scrape(`${h.baseUrl}/clawchat/metrics`)
    expect(stats).toMatchObject({ connections: 1, users: 1, gateway: 'up', gatewayReconnects: 1 })
    expect(sample(text, 'clawchat_connections', { surface: 'relay' })).toBe(1)
    expect(sample(text, 'clawchat_users', { surface: 'relay' })).toBe(1)
    expect(sample(text, 'clawchat_connections', { surface: 'control-ui' })).toBe(0)
    expect(sample(text, 'clawchat_gateway_link_state', { state: 'up' })).toBe(1)
    expect(sample(text, 'clawchat_gateway_reconnects_total')).toBe(1)

    expect(stats.refusedUpgrades.relay).toEqual({ unauthenticated: 1, origin: 1 })
    expect(sample(text, 'clawchat_upgrades_refused_total', { surface: 'relay', reason: 'unauthenticated' })).toBe(1)
    expect(sample(text, 'clawchat_upgrades_refused_total', { surface: 'relay', reason: 'origin' })).toBe(1)

    // Frames in: connect, chat.send, the strange method, the burst.
    const sent = 3 + 12
    expect(stats.browserFrames.in.req!.frames).toBe(sent)
    expect(sample(text, 'clawchat_browser_frames_total', { direction: 'in', kind: 'req' })).toBe(sent)
    expect(sample(text, 'clawchat_browser_bytes_total', { direction: 'in', kind: 'req' })).toBe(
      stats.browserFrames.in.req!.bytes,
    )
    const answers = alice.frames.filter((f) => f.type === 'res').length
    expect(stats.browserFrames.out.res!.frames).toBe(answers)
    expect(sample(text, 'clawchat_browser_frames_total', { direction: 'out', kind: 'res' })).toBe(answers)
    expect(stats.browserFrames.out.event!.frames).toBeGreaterThanOrEqual(alice.frames.length - answers)
    expect(stats.browserFrames.out.event!.bytes).toBeGreaterThan(0)

    // The link: chat.send and the admitted sessions.list went up and were answered; chat events came down.
    const up = 1 + (12 - limited)
    expect(stats.gatewayFrames.up.req).toBeGreaterThanOrEqual(up)
    // (The proxy's own requests — approvals, subscriptions — go up too; one cut by the restart gets no answer.)
    expect(stats.gatewayFrames.down.res).toBeGreaterThanOrEqual(up)
    expect(stats.gatewayFrames.down.res).toBeLessThanOrEqual(stats.gatewayFrames.up.req!)
    expect(stats.gatewayFrames.down.event).toBeGreaterThan(0)
    expect(sample(text, 'clawchat_gateway_frames_total', { direction: 'up', kind: 'req' })).toBe(
      stats.gatewayFrames.up.req,
    )

    expect(stats.rateLimited).toEqual({ connection: limited })
    expect(sample(text, 'clawchat_rate_limited_total', { scope: 'connection' })).toBe(limited)
    expect(stats.slowConsumerCloses).toBe(0)
    expect(sample(text, 'clawchat_slow_consumer_closes_total')).toBe(0)

    expect(stats.requests['chat.send']).toMatchObject({ count: 1, errors: 0, cancelled: 0 })
    expect(stats.requests['sessions.list']!.count).toBe(12 - limited)
    expect(stats.requests.other).toMatchObject({ count: 1, errors: 1 })
    const chatSend = { method: 'chat.send', outcome: 'ok' }
    expect(sample(text, 'clawchat_request_duration_seconds_count', chatSend)).toBe(1)
    expect(sample(text, 'clawchat_request_duration_seconds_bucket', { ...chatSend, le: '+Inf' })).toBe(1)
    expect(sample(text, 'clawchat_request_duration_seconds_count', { method: 'other', outcome: 'error' })).toBe(
      stats.requests.other!.count,
    )

    // Privacy: nothing that names a user, a session, a run or the gateway.
    for (const secret of [userId, sessionIdOf(cookie), key, strange, h.token, 'evil.example', '127.0.0.1'])
      expect(text).not.toContain(secret)
  })

  it('counts the connection-limit and unknown-path refusals', async () => {
    const h = await start({ proxy: { metrics: true, limits: { connectionsPerUser: 1 } } })
    const cookie = await h.login({ id: 'carol' })
    await h.open(cookie)
    expect(await h.upgradeStatus(cookie)).toBe(429)
    expect(await h.upgradeStatus(cookie, {}, '/nobody-here')).toBe(404)
    expect(h.proxy.stats().refusedUpgrades.relay).toEqual({ 'connection-limit': 1, 'unknown-path': 1 })
    const text = await scrape(`${h.baseUrl}/clawchat/metrics`)
    expect(sample(text, 'clawchat_upgrades_refused_total', { reason: 'connection-limit' })).toBe(1)
    expect(sample(text, 'clawchat_upgrades_refused_total', { reason: 'unknown-path' })).toBe(1)
    expect(text).not.toContain('carol')
  })

  it('keeps two proxies in one process apart', async () => {
    const first = await start({ proxy: { metrics: true } })
    const second = await start({ proxy: { metrics: true }, reuse: first })
    const dave = await first.connectAs({ id: 'dave' })
    expect((await dave.request('sessions.list', {})).ok).toBe(true)
    expect(await second.upgradeStatus(undefined)).toBe(401)

    const one = first.proxy.stats()
    const two = second.proxy.stats()
    expect(one.connections).toBe(1)
    expect(one.browserFrames.in.req!.frames).toBe(2)
    expect(one.refusedUpgrades.relay).toEqual({})
    expect(two.connections).toBe(0)
    expect(two.browserFrames.in).toEqual({})
    expect(two.refusedUpgrades.relay).toEqual({ unauthenticated: 1 })
    expect(first.proxy.metrics).not.toBe(second.proxy.metrics)
    const firstText = await scrape(`${first.baseUrl}/clawchat/metrics`)
    const secondText = await scrape(`${second.baseUrl}/clawchat/metrics`)
    expect(sample(firstText, 'clawchat_browser_frames_total', { direction: 'in' })).toBe(2)
    expect(sample(secondText, 'clawchat_browser_frames_total', { direction: 'in' })).toBe(0)
    expect(sample(firstText, 'clawchat_upgrades_refused_total')).toBe(0)
    expect(sample(secondText, 'clawchat_upgrades_refused_total', { reason: 'unauthenticated' })).toBe(1)
  })

  it('counts the same figures in stats() when option metrics is off', async () => {
    const h = await start({})
    const erin = await h.connectAs({ id: 'erin' })
    expect((await erin.request('sessions.list', {})).ok).toBe(true)
    expect(await h.upgradeStatus(undefined)).toBe(401)
    const stats = h.proxy.stats()
    expect(h.proxy.metrics).toBeUndefined()
    expect(stats.browserFrames.in.req!.frames).toBe(2)
    expect(stats.refusedUpgrades.relay).toEqual({ unauthenticated: 1 })
    expect(stats.requests['sessions.list']!.count).toBe(1)
    expect(stats.gatewayFrames.up.req).toBeGreaterThanOrEqual(1)
  })
})
