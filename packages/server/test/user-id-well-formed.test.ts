/**
 * Issue 16.6: user ids are encoded from their UTF-8 bytes, and a lone surrogate becomes U+FFFD in
 * UTF-8 — so `eve\uD800` and `eve\uFFFD` would share every gateway key. The gate refuses ill-formed
 * ids (500: `authenticate` returned an unusable user), on the upgrade and on `GET <path>/session`,
 * with a log line that names the problem and not the id.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { base32Encode, gatewaySessionKey, userIdProblem } from '../src/isolation/session-keys.js'
import { startHarness, type Harness } from './helpers/harness.js'

const NS = 'clawchat'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('ill-formed user ids', () => {
  it('would share gateway keys with the U+FFFD spelling, so they are refused', () => {
    // Why: UTF-8 cannot carry a lone surrogate, both ids encode to the same bytes.
    expect(base32Encode('eve\uD800')).toBe(base32Encode('eve\uFFFD'))
    expect(gatewaySessionKey(NS, 'eve\uD800', 'main')).toBe(gatewaySessionKey(NS, 'eve\uFFFD', 'main'))
    expect(userIdProblem('eve\uFFFD', NS)).toBeNull()
    for (const id of ['eve\uD800', 'eve\uDC00', '\uDC00\uD800', 'a\uD83Eb', `${'x'.repeat(40)}\uDBFF`]) {
      const problem = userIdProblem(id, NS)
      expect(problem, JSON.stringify(id)).toMatch(/not well-formed UTF-16.*lone surrogate/)
      expect(problem).not.toContain(id)
    }
    // Surrogate pairs (emoji, rare CJK) are whole characters: fine.
    expect(userIdProblem('eve 🦀 𠀀', NS)).toBeNull()
  })

  it('refuses the upgrade and GET /clawchat/session with 500 and logs the problem without the id; the U+FFFD user is unaffected', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const good = await h.login({ id: 'eve\uFFFD' })
    const bad = await h.login({ id: 'eve\uD800' })

    const eve = await h.open(good)
    await eve.connect()
    const sent = await eve.request('chat.send', { message: 'only for eve\uFFFD' })
    expect(sent.ok).toBe(true)

    expect(await h.upgradeStatus(bad)).toBe(500)
    const session = await fetch(`${h.baseUrl}/clawchat/session`, { headers: { cookie: bad } })
    expect(session.status).toBe(500)
    expect(await session.json()).toEqual({ error: 'could not check who you are; see the server log' })
    expect((await fetch(`${h.baseUrl}/clawchat/session`, { headers: { cookie: good } })).status).toBe(200)
    expect(h.proxy.stats().connections).toBe(1)

    // The operator is told what is wrong, and the id itself (in any spelling) is not in the log.
    const logged = h.capture.logs.filter((l) => /lone surrogate/.test(l))
    expect(logged.length).toBeGreaterThanOrEqual(2) // the upgrade and the session endpoint
    for (const line of logged) {
      expect(JSON.parse(line).level).toBe('error')
      expect(line).not.toMatch(/\beve\b/)
    }
    // Neither raw nor escaped anywhere (the audit trail names the well-formed eve's connection only).
    const everything = [...h.capture.logs, ...h.capture.audit].join('\n')
    expect(everything).not.toMatch(/\\ud800|\uD800/i)
  })
})
