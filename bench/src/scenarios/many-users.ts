/**
 * Scenario 3 — many users: N distinct users, each streaming at a fixed rate (its own run paced by
 * the agent), their starts spread over one second. Reports events delivered against events asked
 * for, upstream connections, relay CPU and RSS. ClawChat serves every N on one upstream link; the
 * direct and pipe paths need one gateway connection per user, each of which receives every user's
 * events — that fan-out bounds them, and is what ClawChat removes.
 */
import { cpus } from 'node:os'
import { sleep } from '../drivers/pool.js'
import { closeClients, MODES, type Mode } from '../drivers/topology.js'
import { measureWindow } from '../measure-window.js'
import { clientErrors, quietMachine, round, withTopology, type ScenarioContext } from './common.js'

/** Scenario 3's figures for one path and one N. */
export interface ManyUsersResult {
  mode: Mode
  users: number
  /** Chat deltas per second the users asked for (N × the per-user rate). */
  expectedDeltasPerSecond: number
  /** Each user's own chat deltas delivered, summed, per second. */
  deltasPerSecond: number
  /** deltasPerSecond / expectedDeltasPerSecond. */
  deliveredRatio: number
  /** Event frames received by all clients per second (for (a)/(b): every user's events, N times). */
  framesPerSecond: number
  /** Authenticated connections the gateway holds. */
  upstreamConnections: number
  relayCores: number | null
  relayRssMb: number | null
  mockCores: number
  driverCores: number
  backgroundCores: number
  /** (a)/(b): short of the asked rate or the gateway process saturated — the N-connection fan-out is the limit. */
  gatewayBound: boolean
  /** When short of the asked rate: `CPU (machine saturated)` if every core was busy, else the busiest process (`gateway`, `relay`, `clients`); `none` otherwise. */
  limitedBy: string
  auditEntries: number
  errors: string[]
}

function busiest(cores: Record<string, number>): string {
  return Object.entries(cores).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none'
}

async function measureManyUsers(ctx: ScenarioContext, mode: Mode, users: number): Promise<ManyUsersResult> {
  const cfg = ctx.config.manyUsers
  const periodMs = 1000 / cfg.deltasPerSecondPerUser
  const spec = { ...cfg.spec, periodMs }
  const { value, auditEntries } = await withTopology(mode, {}, async (topology) => {
    const clients = await topology.connectUsers(users, { concurrency: 50 })
    await quietMachine(ctx)
    const starts = clients.map((client, i) =>
      setTimeout(() => client.startStream(spec, 1), Math.floor((i / users) * 1000)),
    )
    await sleep(cfg.warmupMs)
    const w = await measureWindow(topology, clients, cfg.measureMs)
    for (const timer of starts) clearTimeout(timer)
    for (const client of clients) client.stopStream()
    // Paced runs last seconds: close at once instead of waiting for them to end.
    const errors = clientErrors(clients)
    await closeClients(clients)
    return { w, errors }
  })
  const { w, errors } = value
  const expected = users * cfg.deltasPerSecondPerUser
  const deltasPerSecond = Math.round(w.counts.deltas / w.seconds)
  const connections = (w.mockExtra.connections ?? {}) as { authenticated?: number }
  const deliveredRatio = round(deltasPerSecond / expected, 3) ?? 0
  return {
    mode,
    users,
    expectedDeltasPerSecond: expected,
    deltasPerSecond,
    deliveredRatio,
    framesPerSecond: Math.round(w.counts.frames / w.seconds),
    upstreamConnections: connections.authenticated ?? -1,
    relayCores: round(w.cpu.relayCores, 2),
    relayRssMb: w.relayRss === null ? null : round(w.relayRss / 2 ** 20, 1),
    mockCores: round(w.cpu.mockCores, 2) ?? 0,
    driverCores: round(w.cpu.driverCores, 2) ?? 0,
    backgroundCores: round(w.cpu.backgroundCores, 2) ?? 0,
    gatewayBound: mode !== 'proxy' && (deliveredRatio < 0.9 || w.cpu.mockCores > 0.85),
    limitedBy:
      deliveredRatio >= 0.95
        ? 'none'
        : w.cpu.machineCores >= cpus().length - 0.15
          ? `CPU (machine saturated, ${w.cpu.backgroundCores.toFixed(2)} cores by other processes; busiest of ours: ${busiest({ gateway: w.cpu.mockCores, relay: w.cpu.relayCores ?? 0, clients: w.cpu.driverCores })})`
          : busiest({ gateway: w.cpu.mockCores, relay: w.cpu.relayCores ?? 0, clients: w.cpu.driverCores }),
    auditEntries,
    errors,
  }
}

/** Runs scenario 3: (c) at every N of `proxyN`, (a) and (b) at every N of `gatewayN`. */
export async function runManyUsers(ctx: ScenarioContext): Promise<ManyUsersResult[]> {
  const cfg = ctx.config.manyUsers
  const rows: ManyUsersResult[] = []
  for (const mode of MODES) {
    for (const n of mode === 'proxy' ? cfg.proxyN : cfg.gatewayN) {
      ctx.log(`[3 many users] ${mode} N=${n} …`)
      const r = await measureManyUsers(ctx, mode, n)
      rows.push(r)
      ctx.log(
        `[3 many users] ${mode} N=${n}: ${r.deltasPerSecond}/${r.expectedDeltasPerSecond} deltas/s, upstream ${r.upstreamConnections}, relay ${r.relayCores ?? '-'} cores, mock ${r.mockCores} cores`,
      )
    }
  }
  return rows
}
