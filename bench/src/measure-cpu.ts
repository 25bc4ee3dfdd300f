/**
 * CPU accounting for one measurement window: each of our processes from its own
 * `process.cpuUsage()`, the whole machine from `/proc/stat`, and what is left — other people's
 * processes on this shared machine — so a noisy window says so instead of passing for a slow relay.
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import type { TopologySample } from './drivers/topology.js'
import { sleep } from './drivers/pool.js'

/** Busy and total CPU time of the whole machine, in clock ticks (all cores). */
export interface SystemCpu {
  busy: number
  total: number
}

/** Reads the machine-wide CPU counters (Linux); zeros elsewhere. */
export function readSystemCpu(): SystemCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const values = line.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values
    const busy = user + nice + system + irq + softirq + steal
    return { busy, total: busy + idle + iowait }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/** Cores busy across the machine between two readings. */
export function busyCores(a: SystemCpu, b: SystemCpu): number {
  const total = b.total - a.total
  if (total <= 0) return 0
  return ((b.busy - a.busy) / total) * cpus().length
}

/**
 * CPU use over one window, in cores (1 = one core fully busy). Each process's figure is a rate
 * over its own two readings (a saturated child answers late; its readings still bracket the CPU
 * they count), so per-event costs are `cores × 10⁶ / events per second`.
 */
export interface CpuWindow {
  mockCores: number
  relayCores: number | null
  driverCores: number
  /** Every process of the machine. */
  machineCores: number
  /** The machine minus our three processes: other people's work during the window. */
  backgroundCores: number
}

function cores(cpu0: number, cpu1: number, at0: number, at1: number): number {
  return at1 > at0 ? (cpu1 - cpu0) / (at1 - at0) : 0
}

/**
 * The CPU of a window from two topology samples and two machine readings.
 *
 * @example
 * const w = cpuWindow(s0, s1, m0, m1); console.log(w.relayCores)
 */
export function cpuWindow(s0: TopologySample, s1: TopologySample, m0: SystemCpu, m1: SystemCpu): CpuWindow {
  const mockCores = cores(s0.mock.cpuUs, s1.mock.cpuUs, s0.mock.atUs, s1.mock.atUs)
  const relayCores = s0.relay && s1.relay ? cores(s0.relay.cpuUs, s1.relay.cpuUs, s0.relay.atUs, s1.relay.atUs) : null
  const driverCores = cores(s0.driverCpuUs, s1.driverCpuUs, s0.driverAtUs, s1.driverAtUs)
  const machineCores = busyCores(m0, m1)
  return {
    mockCores,
    relayCores,
    driverCores,
    machineCores,
    backgroundCores: Math.max(0, machineCores - mockCores - (relayCores ?? 0) - driverCores),
  }
}

/**
 * Waits (at most `maxWaitMs`) for the machine to be quiet — under `thresholdCores` busy over a
 * one-second reading — before a measurement; answers the last reading. Call it while our own
 * processes are idle.
 */
export async function waitForQuiet(maxWaitMs: number, thresholdCores: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs
  let last = 0
  for (let i = 0; i < 600; i += 1) {
    const a = readSystemCpu()
    await sleep(i === 0 ? 300 : 1000)
    last = busyCores(a, readSystemCpu())
    if (last < thresholdCores || Date.now() >= deadline) break
  }
  return last
}
