/** What every scenario shares: its context (config, logging) and small number helpers. */
import type { BenchConfig } from '../config.js'
import { Topology, type Mode, type TopologyOptions } from '../drivers/topology.js'
import { waitForQuiet } from '../measure-cpu.js'

/** What a scenario is given. */
export interface ScenarioContext {
  config: BenchConfig
  /** Progress lines for people (stderr). */
  log: (line: string) => void
  /** Where to keep artefacts (profiles). */
  resultsDir: string
  /** Which `@clawchat/server` build is measured (sha-256 prefix of dist/index.js, build time). */
  serverBuild?: string
}

/** Rounds to `digits` decimals (NaN and null stay as they are). */
export function round(value: number | null, digits = 1): number | null {
  if (value === null || !Number.isFinite(value)) return value
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** Waits for a quiet machine as the config says; answers the background load seen (cores). */
export function quietMachine(ctx: ScenarioContext): Promise<number> {
  const { maxWaitMs, thresholdCores } = ctx.config.quiet
  return maxWaitMs > 0 ? waitForQuiet(maxWaitMs, thresholdCores) : Promise.resolve(0)
}

/** Errors seen by clients, as a short list (the smoke test fails on any). */
export function clientErrors(clients: readonly { errorTexts: readonly string[] }[]): string[] {
  return clients.flatMap((c) => c.errorTexts).slice(0, 10)
}

/**
 * Starts a topology, runs `fn` on it and always stops it; answers `fn`'s value and the audit
 * entries the proxy wrote (0 for the other paths).
 */
export async function withTopology<T>(
  mode: Mode,
  options: TopologyOptions,
  fn: (topology: Topology) => Promise<T>,
): Promise<{ value: T; auditEntries: number }> {
  const topology = await Topology.start(mode, options)
  let value: T
  try {
    value = await fn(topology)
  } catch (error) {
    await topology.stop().catch(() => undefined)
    throw error
  }
  const { auditEntries } = await topology.stop()
  return { value, auditEntries }
}

/**
 * Starts one topology per mode (in parallel), runs `fn` with all of them up, and always stops them;
 * answers `fn`'s value and each mode's audit entries. Idle topologies cost no CPU, so a scenario
 * can rotate its load between them round by round and sample every path across the same minutes
 * of a shared machine.
 */
export async function withTopologies<T>(
  modes: readonly Mode[],
  options: (mode: Mode) => TopologyOptions,
  fn: (topologies: Map<Mode, Topology>) => Promise<T>,
): Promise<{ value: T; auditEntries: Map<Mode, number> }> {
  const topologies = new Map<Mode, Topology>()
  const auditEntries = new Map<Mode, number>()
  const stopAll = async () => {
    for (const [mode, topology] of topologies)
      auditEntries.set(mode, (await topology.stop().catch(() => ({ auditEntries: 0 }))).auditEntries)
  }
  let value: T
  try {
    const started = await Promise.allSettled(modes.map((mode) => Topology.start(mode, options(mode))))
    started.forEach((s, i) => {
      if (s.status === 'fulfilled') topologies.set(modes[i] as Mode, s.value)
    })
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    value = await fn(topologies)
  } catch (error) {
    await stopAll()
    throw error
  }
  await stopAll()
  return { value, auditEntries }
}

/** The order of the paths in round `round`: rotated, so no path always follows the same one. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

/** The median of numbers (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
