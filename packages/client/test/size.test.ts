import { describe, expect, it } from 'vitest'
import { BUDGET_BYTES, measure } from '../scripts/size-report.mjs'

describe('size report (scripts/size-report.mjs)', () => {
  it('the main entry, bundled for browsers, is within 16.5 KB min+gzip, without TypeBox or direct mode', async () => {
    const r = await measure()
    console.log(
      `@clawchat/client main entry: ${r.minBytes} B minified, ${r.gzipBytes} B min+gzip (budget ${r.budgetBytes} B)`,
    )
    expect(BUDGET_BYTES).toBe(16.5 * 1024)
    expect(r.inputs.some((f) => f.includes('protocol/src/close-codes'))).toBe(true)
    expect(r.inputs.some((f) => f.includes('protocol/src/codec'))).toBe(true)
    expect(r.inputs.some((f) => f.toLowerCase().includes('typebox'))).toBe(false)
    expect(r.inputs.some((f) => f.includes('reconnecting-websocket'))).toBe(false)
    expect(
      r.inputs.some((f) => f.includes('direct') || f.includes('gateway-client') || f.includes('device-identity')),
    ).toBe(false)
    expect(r.gzipBytes).toBeGreaterThan(2000)
    expect(r.gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES)
    expect(r.withinBudget).toBe(true)
  })
})
