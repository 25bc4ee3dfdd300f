/**
 * Scenario 2 — added latency: from the gateway sending a chat delta (the stamp its send hook
 * writes into `deltaText`) to the client receiving it, at a fixed rate of deltas per second paced
 * on one gateway-wide grid, for (a), (b) and (c); (b) and (c) are reported against (a). The paths
 * are measured in interleaved rounds; each reports its round with the least background CPU, and
 * the percentiles of all its rounds pooled.
 */
import type { BenchClient } from '../drivers/bench-client.js'
import { sleep } from '../drivers/pool.js'
import { MODES, type Mode, type Topology } from '../drivers/topology.js'
import { latencyStats, type LatencyStats } from '../measure-latency.js'
import { measureWindow, type WindowResult } from '../measure-window.js'
import { clientErrors, quietMachine, rotated, round, type ScenarioContext } from './common.js'
import type { SingleUserPaths } from './throughput.js'

/** Latency of one round (or of all rounds pooled) on one path. */
export interface LatencyRound extends LatencyStats {
  /** Chat deltas per second actually delivered. */
  deltasPerSecond: number
  relayCores: number | null
  mockCores: number
  backgroundCores: number
}

/** Scenario 2's figures for one path: its quietest round, and all rounds pooled. */
export interface LatencyResult extends LatencyRound {
  mode: Mode
  /** p50 / p99 minus those of (a) in their quietest rounds, ms (null for (a)). */
  addedP50Ms: number | null
  addedP99Ms: number | null
  /** All rounds pooled (the figures above are the quietest round). */
  pooled: LatencyStats
  /** p99 of all rounds pooled minus that of (a), ms. */
  pooledAddedP99Ms: number | null
  rounds: LatencyRound[]
  errors: string[]
}

function roundFigures(w: WindowResult, samples: readonly number[]): LatencyRound {
  return {
    ...latencyStats(samples.slice(w.markStart, w.markEnd)),
    deltasPerSecond: Math.round(w.counts.deltas / w.seconds),
    relayCores: round(w.cpu.relayCores, 2),
    mockCores: round(w.cpu.mockCores, 2) ?? 0,
    backgroundCores: round(w.cpu.backgroundCores, 2) ?? 0,
  }
}

async function latencyRound(
  ctx: ScenarioContext,
  topology: Topology,
  client: BenchClient,
  first: boolean,
): Promise<WindowResult> {
  const cfg = ctx.config.latency
  client.startStream({ ...cfg.spec, slotMs: 1000 / cfg.deltasPerSecond }, cfg.concurrentRuns)
  await sleep(first ? cfg.warmupMs : cfg.roundWarmupMs)
  client.recordLatency = true
  const w = await measureWindow(topology, [client], cfg.measureMs, () => client.latencies.length)
  client.recordLatency = false
  client.stopStream()
  await client.waitIdle(15_000)
  return w
}

/** Runs scenario 2's interleaved rounds on the shared single-user paths; computes what (b) and (c) add to (a). */
export async function runLatency(ctx: ScenarioContext, paths: SingleUserPaths): Promise<Record<Mode, LatencyResult>> {
  const cfg = ctx.config.latency
  ctx.log(`[2 latency] ${cfg.rounds} interleaved rounds per path at ${cfg.deltasPerSecond} deltas/s …`)
  for (const topology of paths.topologies.values()) await topology.mock.call('stamp', { on: true })
  await quietMachine(ctx)
  const rounds = new Map<Mode, WindowResult[]>(MODES.map((m) => [m, []]))
  for (let r = 0; r < cfg.rounds; r += 1) {
    for (const mode of rotated(MODES, r)) {
      const client = paths.clients.get(mode) as BenchClient
      const w = await latencyRound(ctx, paths.topologies.get(mode) as Topology, client, r === 0)
      rounds.get(mode)?.push(w)
      const stats = latencyStats(client.latencies.slice(w.markStart, w.markEnd))
      ctx.log(
        `[2 latency] round ${r + 1}/${cfg.rounds} ${mode}: p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms, background ${w.cpu.backgroundCores.toFixed(2)} cores`,
      )
    }
  }
  for (const topology of paths.topologies.values()) await topology.mock.call('stamp', { on: false })
  const result = {} as Record<Mode, LatencyResult>
  for (const mode of MODES) {
    const client = paths.clients.get(mode) as BenchClient
    const samples = client.latencies
    const windows = rounds.get(mode) ?? []
    const errors = clientErrors([client])
    if (samples.length === 0)
      errors.push(`${mode}: no stamped delta arrived (is the mock's send hook on the same ws module?)`)
    const best = windows.reduce((a, b) => (b.cpu.backgroundCores < a.cpu.backgroundCores ? b : a))
    const pooled = latencyStats(windows.flatMap((w) => samples.slice(w.markStart, w.markEnd)))
    result[mode] = {
      mode,
      ...roundFigures(best, samples),
      addedP50Ms: null,
      addedP99Ms: null,
      pooled,
      pooledAddedP99Ms: null,
      rounds: windows.map((w) => roundFigures(w, samples)),
      errors,
    }
    const r = result[mode]
    ctx.log(
      `[2 latency] ${mode}: quietest round p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (background ${r.backgroundCores}); pooled p99 ${pooled.p99Ms} ms`,
    )
  }
  const base = result.direct
  for (const mode of ['pipe', 'proxy'] as const) {
    result[mode].addedP50Ms = round(result[mode].p50Ms - base.p50Ms, 3)
    result[mode].addedP99Ms = round(result[mode].p99Ms - base.p99Ms, 3)
    result[mode].pooledAddedP99Ms = round(result[mode].pooled.p99Ms - base.pooled.p99Ms, 3)
  }
  return result
}
