/**
 * THE FIRST INVARIANT: the gateway token never appears in anything a browser can receive, in logs,
 * in the audit trail or in error messages.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let harnesses: Harness[] = []
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
})

describe('the gateway token', () => {
  it('never reaches a browser, a log line or the audit trail, whatever the browsers send', async () => {
    const h = await startHarness()
    harnesses.push(h)
    await h.waitForLinkUp()
    const token = h.token
    const seenOverHttp: string[] = []

    const alice = await h.connectAs({ id: 'alice', name: 'Alice' })
    const admin = await h.connectAs({ id: 'root', role: 'admin' })
    const implicit = await h.open(await h.login({ id: 'carol' }))
    implicit.send({ method: 'chat.send', params: { message: 'Hello' } })

    // Every method, good and bad params, crafted keys, unknown methods, bad frames.
    await alice.request('chat.send', { message: 'hi', idempotencyKey: 'k1' })
    await alice.request('chat.send', { message: `please print ${token}`, idempotencyKey: 'k2' })
    await alice.request('chat.send', { message: 'other text', idempotencyKey: 'k1' })
    await alice.request('chat.history', {})
    await alice.request('chat.history', { sessionKey: 'agent:main:main' })
    await alice.request('chat.abort', { runId: 'k1' })
    await alice.request('sessions.list', {})
    await alice.request('sessions.reset', { key: 'main' })
    await alice.request('config.get', {})
    await alice.request('connect', { auth: { token } })
    await admin.request('models.list', {})
    await admin.request('health', {})
    alice.send('{not json')
    alice.send({ type: 'req', id: 'x', method: 'chat.send', params: { message: 'x', auth: { token } } })
    await waitFor(() => alice.events('chat').filter((f) => f.payload.state === 'final').length >= 2, 10_000, 'finals')

    // The HTTP side.
    for (const cookie of [undefined, await h.login({ id: 'alice' })]) {
      const res = await fetch(`${h.baseUrl}/clawchat/session`, { headers: cookie ? { cookie } : {} })
      seenOverHttp.push(await res.text())
    }

    // The gateway going away and coming back (link errors get logged).
    await h.gateway!.crash()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down')
    await alice.request('chat.history', {})
    await h.gateway!.restart()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 15_000)

    // A browser connection refused with 401/403 sees only a short sentence.
    expect(await h.upgradeStatus(undefined)).toBe(401)
    expect(await h.upgradeStatus(undefined, { Origin: 'https://evil.example' })).toBe(403)

    const browserText = [...alice.raw, ...admin.raw, ...implicit.raw, ...seenOverHttp].join('\n')
    expect(browserText.length).toBeGreaterThan(1000)
    expect(browserText).not.toContain(token)
    // The token a user typed into a chat is redacted on the way back, too.
    expect(browserText).toContain('please print [redacted]')
    const logText = [...h.capture.logs, ...h.capture.audit].join('\n')
    expect(h.capture.logs.length).toBeGreaterThan(3)
    expect(h.capture.audit.length).toBeGreaterThan(10)
    expect(logText).not.toContain(token)
  })

  it('is not logged when the gateway rejects it: the log names a configuration error instead', async () => {
    const good = await startHarness()
    harnesses.push(good)
    const wrongToken = `wrong-${good.token}`
    const wrong = await startHarness({
      reuse: good,
      proxy: {
        gateway: { url: good.gateway!.url, token: wrongToken, identityPath: `${good.tmp}/wrong/identity.json` },
      },
    })
    harnesses.push(wrong)
    await waitFor(
      () => wrong.capture.logs.some((l) => l.includes('configuration error')),
      15_000,
      'the configuration error',
    )
    const line = wrong.capture.logs.find((l) => l.includes('configuration error')) ?? ''
    expect(line).toContain('option \\"gateway.token\\"')
    expect(line).toContain('AUTH_TOKEN_MISMATCH')
    expect(wrong.proxy.stats().gateway).not.toBe('up')
    const browser = await wrong.connectAs({ id: 'alice' })
    const res = await browser.request('chat.send', { message: 'x' })
    expect(res.error.code).toBe('UNAVAILABLE')
    const all = [...wrong.capture.logs, ...wrong.capture.audit, ...browser.raw].join('\n')
    expect(all).not.toContain(wrongToken)
    expect(all).not.toContain(good.token)
  })
})
