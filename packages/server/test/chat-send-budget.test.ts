/**
 * `limits.userChatSendsPer5Min` (issue 16.10): the gateway keeps 1,000 `chat.send` keys for
 * everybody, for 5 minutes. Without a bound one user's flood pushes the other users' keys out of
 * that shared cache, and a re-send of an evicted key (a lost answer, retried) runs a second time.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ChatSendBudget, DEDUPE_WINDOW_MS } from '../src/limits/run-budget.js'
import { resolveLimits } from '../src/limits/limits.js'
import { startHarness, type Harness } from './helpers/harness.js'

describe('ChatSendBudget', () => {
  it('lets a user send `limit` different keys per window, then answers how long until the oldest leaves it', () => {
    let now = 1_000_000
    const budget = new ChatSendBudget(3, DEDUPE_WINDOW_MS, () => now)
    expect([budget.take('a', 'k1'), budget.take('a', 'k2'), budget.take('a', 'k3')]).toEqual([0, 0, 0])
    now += 1000
    expect(budget.take('a', 'k4')).toBe(DEDUPE_WINDOW_MS - 1000)
    expect(budget.take('b', 'k1'), 'another user has a budget of their own').toBe(0)
    now += DEDUPE_WINDOW_MS - 1000
    expect(budget.take('a', 'k4'), 'k1 left the window').toBe(0)
  })

  it('a key already counted costs nothing again (an SDK re-send makes no new gateway entry); a missing key always counts', () => {
    let now = 0
    const budget = new ChatSendBudget(2, 10_000, () => now)
    expect(budget.take('a', 'k1')).toBe(0)
    for (let i = 0; i < 5; i++) expect(budget.take('a', 'k1')).toBe(0)
    expect(budget.take('a', undefined)).toBe(0)
    expect(budget.take('a', undefined)).toBeGreaterThan(0)
    now += 10_000
    expect(budget.take('a', undefined)).toBe(0)
  })

  it('forgets users whose keys all left the window (memory bounded by active users)', () => {
    let now = 0
    const budget = new ChatSendBudget(5, 1000, () => now)
    for (let i = 0; i < 100; i++) budget.take(`user-${i}`, 'k')
    expect(budget.size).toBe(100)
    now += 1000
    budget.take('someone', 'k')
    expect(budget.size).toBe(1)
  })

  it('is a limit with a checked option: default 100, 1 to 1000, 0 for none', () => {
    expect(resolveLimits(undefined).userChatSendsPer5Min).toBe(100)
    expect(resolveLimits({ userChatSendsPer5Min: 0 }).userChatSendsPer5Min).toBe(0)
    expect(() => resolveLimits({ userChatSendsPer5Min: 1001 })).toThrow(
      /limits\.userChatSendsPer5Min" must be an integer from 1 to 1000/,
    )
    expect(() => resolveLimits({ userChatSendsPer5Min: -1 })).toThrow(/userChatSendsPer5Min/)
  })
})

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Bob sends once and gets his final; then `flooder` fires `count` different keys. */
async function bobThenFlood(harness: Harness, count: number) {
  await harness.waitForLinkUp()
  const bob = await harness.connectAs({ id: 'bob' })
  const sent = await bob.request('chat.send', { message: 'bob asks once', idempotencyKey: 'bob-key' })
  expect(sent.payload).toMatchObject({ runId: 'bob-key', status: 'started' })
  await bob.waitForEvent('chat', (p) => p.runId === 'bob-key' && p.state === 'final')
  const mallory = await harness.connectAs({ id: 'mallory' })
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      mallory.request(
        'chat.send',
        { sessionKey: `s${i % 20}`, message: `flood ${i}`, idempotencyKey: `flood-${i}` },
        60_000,
      ),
    ),
  )
  return { bob, answers }
}

describe('one user flooding chat.send through the proxy', () => {
  it("without the bound (0): the flood evicts another user's key from the gateway's cache, and his re-send runs a second time", async () => {
    h = await startHarness({
      proxy: { limits: { messagesPerSecond: 5000, userMessagesPerSecond: 5000, userChatSendsPer5Min: 0 } },
    })
    const { bob, answers } = await bobThenFlood(h, 1001)
    expect(answers.every((a) => a.ok)).toBe(true)
    const again = await bob.request('chat.send', { message: 'bob asks once', idempotencyKey: 'bob-key' })
    expect(again.payload).toEqual({ runId: 'bob-key', status: 'started' })
    await bob.waitForEvent(
      'chat',
      (p) =>
        p.runId === 'bob-key' &&
        p.state === 'final' &&
        bob.events('chat').filter((e) => e.payload.runId === 'bob-key' && e.payload.state === 'final').length === 2,
    )
    const history = await bob.request('chat.history', { sessionKey: 'main' })
    expect(history.payload.messages.filter((m: { role: string }) => m.role === 'assistant')).toHaveLength(2)
    // 1,001 whole runs through the mock: 7–14 s alone on 2 cores, over 20 s while other suites share them.
  }, 60_000)

  it("is stopped at the limit (RATE_LIMITED, retryable), so another user's dedupe entry survives and their re-send runs once", async () => {
    h = await startHarness({ proxy: { limits: { messagesPerSecond: 5000, userMessagesPerSecond: 5000 } } })
    // Mallory fires 1,001 different keys: more than the gateway's whole cache.
    const { bob, answers } = await bobThenFlood(h, 1001)
    const started = answers.filter((a) => a.ok)
    const limited = answers.filter((a) => !a.ok)
    expect(started).toHaveLength(100)
    expect(limited).toHaveLength(901)
    for (const a of limited) {
      expect(a.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true })
      expect(a.error.message).toMatch(/at most 100 in 5 minutes/)
      expect(a.error.retryAfterMs).toBeGreaterThan(DEDUPE_WINDOW_MS - 60_000)
    }
    expect(
      h.gateway!.requests.filter(
        (r) =>
          r.method === 'chat.send' &&
          String((r.params as { idempotencyKey?: string }).idempotencyKey).includes('flood-'),
      ),
    ).toHaveLength(100)

    // Bob's answer was lost; his client sends the same key again: the gateway still knows it.
    const again = await bob.request('chat.send', { message: 'bob asks once', idempotencyKey: 'bob-key' })
    expect(again.payload).toEqual({ runId: 'bob-key', status: 'ok' })
    const history = await bob.request('chat.history', { sessionKey: 'main' })
    expect(history.payload.messages.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1)
    expect(history.payload.messages.filter((m: { role: string }) => m.role === 'assistant')).toHaveLength(1)
  })
})
