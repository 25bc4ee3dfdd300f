/**
 * The proxy's controls: disconnectUser, disconnectSession (from a logout route), stats, close,
 * the maximum connection lifetime.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('controls', () => {
  it('disconnectUser closes all of a user sockets with 4401, and no one else', async () => {
    h = await startHarness()
    const a1 = await h.connectAs({ id: 'alice' })
    const a2 = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    expect(h.proxy.stats()).toMatchObject({ connections: 3, users: 2 })
    expect(h.proxy.disconnectUser('alice', 'account disabled')).toBe(2)
    expect(await a1.closedPromise).toEqual({ code: 4401, reason: 'account disabled' })
    expect((await a2.closedPromise).code).toBe(4401)
    await waitFor(() => h!.proxy.stats().connections === 1, 5000, 'the registry to forget alice')
    expect(bob.closed).toBeNull()
    expect(h.proxy.disconnectUser('nobody')).toBe(0)
  })

  it('disconnectSession, called from a logout route, closes the sockets of that session only', async () => {
    h = await startHarness()
    const cookie = await h.login({ id: 'alice' })
    const otherDevice = await h.login({ id: 'alice' })
    const tab1 = await h.open(cookie)
    const tab2 = await h.open(cookie)
    const phone = await h.open(otherDevice)
    const res = await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie } })
    expect(res.ok).toBe(true)
    expect((await tab1.closedPromise).code).toBe(4401)
    expect((await tab2.closedPromise).code).toBe(4401)
    expect(phone.closed).toBeNull()
    // Logged out for good: the next upgrade with that cookie is refused.
    expect(await h.upgradeStatus(cookie)).toBe(401)
  })

  it('closes a connection at its maximum lifetime with 4408', async () => {
    h = await startHarness({ proxy: { limits: { maxLifetimeMs: 1000 } } })
    const client = await h.connectAs({ id: 'alice' })
    expect((await client.closedPromise).code).toBe(4408)
  })

  it('close() closes browsers with 1012, stops the link and refuses new upgrades', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const cookie = await h.login({ id: 'alice' })
    const client = await h.connectAs({ id: 'alice' })
    await h.proxy.close()
    expect(await h.upgradeStatus(cookie)).not.toBe(101)
    expect((await client.closedPromise).code).toBe(1012)
    expect(h.proxy.stats()).toMatchObject({ connections: 0, gateway: 'closed' })
    await waitFor(() => h!.gateway!.connectionCount().open === 0, 5000, 'the link to close upstream')
    await h.proxy.close()
  })
})
