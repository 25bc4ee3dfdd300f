/**
 * `bench:smoke`, soak part: the soak of issue 16.10 at smoke size (20 users × 5 messages, the
 * gateway restarted gracefully in the middle) through the built packages. Every acknowledged
 * message is answered once, to its sender; nothing is lost, doubled or misdelivered.
 */
import { describe, expect, it } from 'vitest'
import { SOAK_SMOKE } from './src/soak/soak-config.js'
import { renderSoak } from './src/soak/soak-report.js'
import { runSoak } from './src/soak/run-soak.js'

describe('soak (smoke)', () => {
  it('answers every acknowledged message exactly once across a graceful gateway restart', async () => {
    const r = await runSoak(SOAK_SMOKE)
    expect(r.restart.atAcknowledged).toBeGreaterThan(0)
    expect(r.restart.ms).toBeGreaterThan(0)
    expect(r.acknowledged + Object.values(r.failed).reduce((a, b) => a + b, 0)).toBe(r.sent)
    expect(r.acknowledged).toBe(r.sent)
    expect({ lost: r.lost, doubled: r.doubledFinals, misdelivered: r.misdelivered, runErrors: r.runErrors }).toEqual({
      lost: 0,
      doubled: 0,
      misdelivered: 0,
      runErrors: 0,
    })
    expect({
      lostInHistory: r.lostInHistory,
      doubledInHistory: r.doubledInHistory,
      foreignInHistory: r.foreignInHistory,
    }).toEqual({ lostInHistory: 0, doubledInHistory: 0, foreignInHistory: 0 })
    expect(r.answered).toBe(r.acknowledged)
    for (const where of ['before', 'after', 'afterGc'] as const)
      for (const rss of Object.values(r.rss[where])) expect(rss).toBeGreaterThan(0)
    expect(renderSoak(r)).toMatch(/\| \*\*lost\*\* .* \| \*\*0\*\* \|/)
  })
})
