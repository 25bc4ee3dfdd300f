/**
 * `bench:smoke`: the whole relay benchmark at smoke size — every scenario through (a) direct,
 * (b) pipe and (c) clawchatProxy, with tiny N and sub-second windows. It asserts nothing about
 * speed; it fails when a path errors or a scenario comes back empty.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SMOKE } from './src/config.js'
import { MODES } from './src/drivers/topology.js'
import { renderMarkdown, type BenchResults } from './src/report.js'
import { runBench } from './src/run-bench.js'

const dir = mkdtempSync(join(tmpdir(), 'clawchat-bench-smoke-'))
let results: BenchResults | undefined

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('relay benchmark (smoke)', () => {
  it('runs every scenario on every path without an error', async () => {
    results = await runBench(SMOKE, { resultsDir: dir })
    expect(results.errors).toEqual([])

    for (const mode of MODES) {
      expect(results.throughput?.[mode].deltasPerSecond, `throughput ${mode}`).toBeGreaterThan(0)
      expect(results.latency?.[mode].samples, `latency ${mode}`).toBeGreaterThan(0)
      expect(results.replyBytes?.[mode].chatDeltas, `reply bytes ${mode}`).toBe(
        Math.ceil(SMOKE.replyBytes.replyChars / SMOKE.replyBytes.chunkChars),
      )
      expect(results.replyBytes?.[mode].wireBytes, `reply bytes ${mode}`).toBeGreaterThan(0)
    }
    expect(results.throughput?.proxy.relayCpuUsPerEvent).toBeGreaterThan(0)
    expect(results.throughput?.proxy.auditEntries, 'the audit trail is on').toBeGreaterThan(0)

    const rows = results.manyUsers ?? []
    expect(rows.length).toBe(SMOKE.manyUsers.proxyN.length + 2 * SMOKE.manyUsers.gatewayN.length)
    for (const row of rows) {
      expect(row.deltasPerSecond, `${row.mode} N=${row.users}`).toBeGreaterThan(0)
      expect(row.upstreamConnections).toBe(row.mode === 'proxy' ? 1 : row.users)
    }

    expect(results.idle?.proxyConnections).toBe(SMOKE.idle.connections)
    expect(results.idle?.upstreamConnections).toBe(1)

    expect(results.profile?.topSelf.length).toBeGreaterThan(0)
    expect(readFileSync(join(dir, 'profile-proxy.txt'), 'utf8')).toContain('Top 30 functions by self time')

    expect(Object.keys(results.summary)).toEqual(
      expect.arrayContaining(['relay_vs_pipe_throughput', 'relay_cpu_us_per_event']),
    )
    expect(results.targets.map((t) => t.met)).not.toContain(null)
    const markdown = renderMarkdown(results)
    for (const heading of ['## Targets', '## 1.', '## 2.', '## 3.', '## 4.', '## 5.', '## Relay profile'])
      expect(markdown).toContain(heading)
  })
})
