/**
 * Issue 15.5: a gateway that refuses the proxy for a reason a person must fix (a wrong token, a
 * device not yet approved, a protocol mismatch) is not an outage. Browsers hear
 * `clawchat.gateway {state:"misconfigured"}` (users a plain sentence, admins what to do, nobody the
 * token), requests fail at once and are not retryable, and the link keeps retrying slowly, so a fix
 * on the gateway brings it up without restarting the proxy.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let harness: Harness | undefined
let fixed: MockGateway | undefined
afterEach(async () => {
  await harness?.close()
  await fixed?.close()
  harness = undefined
  fixed = undefined
})

describe('a gateway that refuses the proxy’s token', () => {
  it('tells users "misconfigured" without details, admins what to do, and fails sends at once, not retryable', async () => {
    harness = await startHarness({ gateway: { token: 'the-gateway-has-another-token' } })
    await waitFor(() => harness!.proxy.stats().gateway === 'misconfigured', 15_000, 'the link to be misconfigured')
    const alice = await harness.connectAs({ id: 'alice' })
    const root = await harness.connectAs({ id: 'root', role: 'admin' })
    const userSaid = (await alice.waitForEvent('clawchat.gateway')).payload
    const adminSaid = (await root.waitForEvent('clawchat.gateway')).payload
    expect(userSaid.state).toBe('misconfigured')
    expect(userSaid.reason).toMatch(/refused this server; an administrator must fix/)
    for (const detail of ['gateway.token', 'AUTH_', 'ws://', '127.0.0.1']) expect(userSaid.reason).not.toContain(detail)
    expect(adminSaid.state).toBe('misconfigured')
    expect(adminSaid.reason).toContain('option "gateway.token"')
    expect(adminSaid.reason).toContain('AUTH_TOKEN_MISMATCH')

    const res = await alice.request('chat.send', { message: 'hello?' })
    expect(res.ok).toBe(false)
    expect(res.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { reason: 'misconfigured' } })
    expect(res.error.message).toMatch(/Retrying will not help/)

    const everything = [...alice.raw, ...root.raw, ...harness.capture.logs, ...harness.capture.audit].join('\n')
    expect(everything).not.toContain(harness.token)
    expect(harness.capture.audit.some((l) => l.includes('"state":"misconfigured"'))).toBe(true)
  })

  it(
    'comes up without a restart once the gateway is fixed, and the browsers hear "up"',
    { timeout: 60_000 },
    async () => {
      harness = await startHarness({ gateway: { token: 'the-gateway-has-another-token' } })
      const alice = await harness.connectAs({ id: 'alice' })
      await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'misconfigured', 15_000)
      // The operator fixes the gateway's configuration (here: its token) and restarts it on its port.
      const port = harness.gateway!.port
      await harness.gateway!.close()
      fixed = await startMockGateway({
        token: harness.token,
        port,
        host: '127.0.0.1',
        chunkDelayMs: 1,
        phaseDelayMs: 1,
      })
      const started = Date.now()
      await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 40_000)
      console.log(`[misconfigured] up ${Date.now() - started} ms after the fix`)
      expect(harness.proxy.stats().gateway).toBe('up')
      const res = await alice.request('chat.send', { message: 'hello again' })
      expect(res.ok).toBe(true)
    },
  )
})
