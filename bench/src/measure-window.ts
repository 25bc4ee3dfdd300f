/**
 * A measurement window over a running topology: client counters and every process's CPU and
 * memory, sampled at its start and its end (the children timestamp their own samples).
 */
import { performance } from 'node:perf_hooks'
import type { SendTally } from './agents/send-tally.js'
import type { BenchClient, ClientCounters } from './drivers/bench-client.js'
import { sleep } from './drivers/pool.js'
import type { Topology, TopologySample } from './drivers/topology.js'
import { cpuWindow, readSystemCpu, type CpuWindow, type SystemCpu } from './measure-cpu.js'
import { nowMicros } from './wire.js'

/** What happened in one window. */
export interface WindowResult {
  /** Seconds between the two counter snapshots (rates divide by this). */
  seconds: number
  /** The window on the machine's monotonic clock, µs (to cut a CPU profile to it). */
  startUs: number
  endUs: number
  /** Sums over all clients, for the window only. */
  counts: ClientCounters
  /**
   * What the mock gateway sent (every connection of its process) over its own two samples, and
   * those samples' span in seconds (rates divide by it); null if the mock reported no tally.
   */
  gateway: { tally: SendTally; seconds: number } | null
  cpu: CpuWindow
  /** Memory and child figures at the end of the window. */
  relayRss: number | null
  relayHeapUsed: number | null
  mockRss: number
  relayExtra: Record<string, unknown> | null
  mockExtra: Record<string, unknown>
  /** The caller's mark (e.g. latency samples so far) at the start and end. */
  markStart: number
  markEnd: number
}

/** The sum of the clients' counters. */
export function sumCounters(clients: readonly BenchClient[]): ClientCounters {
  const total: ClientCounters = {
    frames: 0,
    bytes: 0,
    deltas: 0,
    deltaFrames: 0,
    deltaBytes: 0,
    finals: 0,
    runs: 0,
    errors: 0,
  }
  for (const client of clients) {
    for (const key of Object.keys(total) as (keyof ClientCounters)[]) total[key] += client.counters[key]
  }
  return total
}

function minus(a: ClientCounters, b: ClientCounters): ClientCounters {
  const out = { ...a }
  for (const key of Object.keys(out) as (keyof ClientCounters)[]) out[key] = a[key] - b[key]
  return out
}

interface Boundary {
  sample: TopologySample
  system: SystemCpu
  counters: ClientCounters
  at: number
  us: number
  mark: number
}

function tallyOf(sample: TopologySample): SendTally | undefined {
  return sample.mock.extra.sent as SendTally | undefined
}

/** b − a of two send tallies. */
export function tallyMinus(a: SendTally, b: SendTally): SendTally {
  const byKind = { ...b.byKind }
  const bytesByKind = { ...b.bytesByKind }
  for (const k of Object.keys(byKind) as (keyof SendTally['byKind'])[]) {
    byKind[k] -= a.byKind[k]
    bytesByKind[k] -= a.bytesByKind[k]
  }
  return {
    frames: b.frames - a.frames,
    bytes: b.bytes - a.bytes,
    byKind,
    bytesByKind,
    socketWrites: b.socketWrites - a.socketWrites,
    socketChunks: b.socketChunks - a.socketChunks,
  }
}

function between(a: Boundary, b: Boundary): WindowResult {
  const t0 = tallyOf(a.sample)
  const t1 = tallyOf(b.sample)
  return {
    seconds: (b.at - a.at) / 1000,
    startUs: a.us,
    endUs: b.us,
    counts: minus(b.counters, a.counters),
    gateway:
      t0 && t1 && b.sample.mock.atUs > a.sample.mock.atUs
        ? { tally: tallyMinus(t0, t1), seconds: (b.sample.mock.atUs - a.sample.mock.atUs) / 1e6 }
        : null,
    cpu: cpuWindow(a.sample, b.sample, a.system, b.system),
    relayRss: b.sample.relay?.rss ?? null,
    relayHeapUsed: b.sample.relay?.heapUsed ?? null,
    mockRss: b.sample.mock.rss,
    relayExtra: b.sample.relay?.extra ?? null,
    mockExtra: b.sample.mock.extra,
    markStart: a.mark,
    markEnd: b.mark,
  }
}

/**
 * Measures `durationMs` of whatever the clients are doing. `mark` is read at both ends (e.g. how
 * many latency samples the client holds) so the caller can cut its own data to the window.
 *
 * @example
 * client.startStream(spec, 64); await sleep(warmupMs)
 * const w = await measureWindow(topology, [client], 3000)
 * console.log(w.counts.deltas / w.seconds, w.cpu.relayCores, w.cpu.backgroundCores)
 */
export async function measureWindow(
  topology: Topology,
  clients: readonly BenchClient[],
  durationMs: number,
  mark: () => number = () => 0,
): Promise<WindowResult> {
  const boundary = async (): Promise<Boundary> => {
    const system = readSystemCpu()
    const sample = await topology.sample()
    return { sample, system, counters: sumCounters(clients), at: performance.now(), us: nowMicros(), mark: mark() }
  }
  const start = await boundary()
  await sleep(durationMs)
  return between(start, await boundary())
}
