/**
 * `bench:smoke`: the whole relay benchmark at smoke size — every scenario through every path
 * ((a) direct, (b) pipe, (f) floor relay, (c) clawchatProxy with an SDK-like lean client, (c') the
 * proxy with an OpenClaw client), with tiny N and sub-second windows. It asserts nothing about
 * speed; it fails when a path errors or a scenario comes back empty.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SMOKE } from './src/config.js'
import { MODES, SINGLE_USER_MODES } from './src/drivers/topology.js'
import { renderMarkdown, type BenchResults } from './src/report.js'
import { runBench } from './src/run-bench.js'

const dir = mkdtempSync(join(tmpdir(), 'clawchat-bench-smoke-'))
let results: BenchResults | undefined

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Keys issue 19 asks for at the top level of `summary`. */
const ISSUE_19_KEYS = [
  'relay_vs_pipe_throughput',
  'relay_vs_pipe_throughput_openclaw_client',
  'relay_cpu_us_per_event',
  'relay_floor_us_per_event',
  'pipe_cpu_us_per_event',
  'sdk_bytes_per_reply_char',
  'openclaw_bytes_per_reply_char',
  'added_p99_ms',
  'idle_kib_per_connection',
  'idle_connections',
  'upstream_links',
]

describe('relay benchmark (smoke)', () => {
  it('runs every scenario on every path without an error', async () => {
    results = await runBench(SMOKE, { resultsDir: dir })
    expect(results.errors).toEqual([])
    const chunks = Math.ceil(SMOKE.replyBytes.replyChars / SMOKE.replyBytes.chunkChars)

    for (const mode of SINGLE_USER_MODES) {
      const t = results.throughput?.[mode]
      expect(t?.deltasPerSecond, `throughput ${mode}`).toBeGreaterThan(0)
      expect(t?.gatewayEventsPerSecond, `gateway events ${mode}`).toBeGreaterThan(0)
      expect(t?.gatewayPerDelta?.frames, `gateway frames per delta ${mode}`).toBeGreaterThanOrEqual(1)
      if (mode !== 'direct') expect(t?.relayCpuUsPerEvent, `relay CPU ${mode}`).toBeGreaterThan(0)
      const bytes = results.replyBytes?.[mode]
      expect(bytes?.chatDeltas, `reply bytes ${mode}`).toBe(chunks)
      expect(bytes?.wireBytes, `reply bytes ${mode}`).toBeGreaterThan(0)
    }
    for (const mode of MODES) expect(results.latency?.[mode]?.samples, `latency ${mode}`).toBeGreaterThan(0)
    expect(results.throughput?.proxy?.auditEntries, 'the audit trail is on').toBeGreaterThan(0)

    // The SDK-like client gets no agent twins; the OpenClaw client through the same proxy does.
    expect(results.replyBytes?.proxyOpenclaw?.agentFrames).toBeGreaterThanOrEqual(chunks)
    expect(results.replyBytes?.proxyOpenclaw?.chatDeltaFrames).toBe(chunks)

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

    expect(Object.keys(results.summary)).toEqual(expect.arrayContaining(ISSUE_19_KEYS))
    for (const key of ISSUE_19_KEYS) expect(results.summary[key as keyof BenchResults['summary']], key).not.toBeNull()
    expect(results.summary.idle_connections).toBe(SMOKE.idle.connections)
    expect(results.summary.upstream_links).toBe(1)
    expect(results.targets.map((t) => t.met)).not.toContain(null)
    const markdown = renderMarkdown(results)
    for (const heading of ['## Targets', '## 1.', '## 2.', '## 3.', '## 4.', '## 5.', '## Relay profile'])
      expect(markdown).toContain(heading)
    expect(markdown).toContain("(c') clawchatProxy, OpenClaw client")
    expect(markdown).toContain('(f) floor relay')
  }, 120_000) // ≈ 35–45 s on a quiet machine; child start-ups take several times longer when it is busy
})
