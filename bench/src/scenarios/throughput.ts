/**
 * Scenario 1 — one user streaming: chat deltas per second delivered to the client, and the relay's
 * CPU per event, for (a) direct, (b) pipe and (c) clawchatProxy. The client keeps a fixed number
 * of runs in flight (closed loop), so the path sets the pace and the data in flight stays bounded.
 * The paths are measured in interleaved rounds; each reports its round with the least background
 * CPU (other people's work on a shared machine) and the median of all rounds.
 */
import { sleep } from '../drivers/pool.js'
import type { BenchClient } from '../drivers/bench-client.js'
import { SINGLE_USER_MODES, type Mode, type Topology } from '../drivers/topology.js'
import { STREAMING_LIMITS } from '../config.js'
import { measureWindow, type WindowResult } from '../measure-window.js'
import type { ReplySpec } from '../wire.js'
import { FRAME_KINDS, type FrameKind, type SendTally } from '../agents/send-tally.js'
import { clientErrors, median, quietMachine, rotated, round, withTopologies, type ScenarioContext } from './common.js'

/** What the mock gateway sent per chat delta it sent, over one window (the mock-CPU investigation). */
export interface GatewayPerDelta {
  /** Frames of every kind per chat delta (1 delta + its agent twin + run and session events). */
  frames: number
  bytes: number
  /** Frames of each kind per chat delta. */
  byKind: Record<FrameKind, number>
  /** Bytes of each kind per chat delta. */
  bytesByKind: Record<FrameKind, number>
  /** Socket writes (≈ `writev` calls) per frame, and chunks per write (how much each write carried). */
  writesPerFrame: number
  chunksPerWrite: number
  /** Mock CPU per chat delta sent, µs. */
  mockCpuUs: number
}

/** Scenario 1's rates and costs over one window. */
export interface ThroughputFigures {
  seconds: number
  /** Chat deltas delivered per second (a merged lean frame counts the deltas it carries). */
  deltasPerSecond: number
  /** Frames that carried them, per second. */
  deltaFramesPerSecond: number
  /** Every frame delivered to the client. */
  framesPerSecond: number
  /** Every frame the gateway sent on this path (to the client, the pipe's or the relay's link). */
  gatewayEventsPerSecond: number | null
  mbPerSecond: number
  avgDeltaFrameBytes: number
  /** Relay CPU per gateway event (frame the gateway sent it), µs (null for direct: there is no relay). */
  relayCpuUsPerEvent: number | null
  /** Relay CPU per chat delta delivered (with its agent twin and its share of run events), µs. */
  relayCpuUsPerDelta: number | null
  /** Mock gateway CPU per frame it sent, µs. */
  mockCpuUsPerEvent: number
  /** What the gateway sent per chat delta (null when the mock reported no tally). */
  gatewayPerDelta: GatewayPerDelta | null
  relayCores: number | null
  mockCores: number
  driverCores: number
  /** Other people's processes on the machine during the window. */
  backgroundCores: number
}

/** Scenario 1's figures for one path: its quietest round, and every round. */
export interface ThroughputResult extends ThroughputFigures {
  mode: Mode
  relayRssMb: number | null
  auditEntries: number
  /** Median chat deltas/s over the rounds. */
  medianDeltasPerSecond: number
  /** Median relay CPU per event over the rounds, µs. */
  medianRelayCpuUsPerEvent: number | null
  /** Every round (the figures above are the round with the least background CPU). */
  rounds: ThroughputFigures[]
  /** The reported round on the monotonic clock, µs (to cut a CPU profile to it). */
  window: { startUs: number; endUs: number }
  errors: string[]
}

function perDelta(tally: SendTally, mockCores: number, seconds: number): GatewayPerDelta | null {
  const deltas = tally.byKind.chatDelta
  if (deltas <= 0) return null
  const per = (n: number) => round(n / deltas, 3) ?? 0
  const kinds = (src: Record<FrameKind, number>) =>
    Object.fromEntries(FRAME_KINDS.map((k) => [k, per(src[k])])) as Record<FrameKind, number>
  return {
    frames: per(tally.frames),
    bytes: Math.round(tally.bytes / deltas),
    byKind: kinds(tally.byKind),
    bytesByKind: kinds(tally.bytesByKind),
    writesPerFrame: round(tally.socketWrites / Math.max(1, tally.frames), 3) ?? 0,
    chunksPerWrite: round(tally.socketChunks / Math.max(1, tally.socketWrites), 2) ?? 0,
    mockCpuUs: round((mockCores * seconds * 1e6) / deltas, 2) ?? 0,
  }
}

function figures(w: WindowResult): ThroughputFigures {
  const { counts, cpu } = w
  const perEvent = (c: number | null, perSecond: number | null) =>
    c === null || perSecond === null ? null : round((c * 1e6) / Math.max(1, perSecond), 2)
  const framesPerSecond = counts.frames / w.seconds
  const deltasPerSecond = counts.deltas / w.seconds
  const gw = w.gateway
  const gatewayEventsPerSecond = gw ? gw.tally.frames / gw.seconds : null
  return {
    seconds: round(w.seconds, 2) ?? 0,
    deltasPerSecond: Math.round(deltasPerSecond),
    deltaFramesPerSecond: Math.round(counts.deltaFrames / w.seconds),
    framesPerSecond: Math.round(framesPerSecond),
    gatewayEventsPerSecond: gatewayEventsPerSecond === null ? null : Math.round(gatewayEventsPerSecond),
    mbPerSecond: round(counts.bytes / w.seconds / 1e6, 2) ?? 0,
    avgDeltaFrameBytes: Math.round(counts.deltaBytes / Math.max(1, counts.deltaFrames)),
    relayCpuUsPerEvent: perEvent(cpu.relayCores, gatewayEventsPerSecond ?? framesPerSecond),
    relayCpuUsPerDelta: perEvent(cpu.relayCores, deltasPerSecond),
    mockCpuUsPerEvent: perEvent(cpu.mockCores, gatewayEventsPerSecond ?? framesPerSecond) ?? 0,
    gatewayPerDelta: gw ? perDelta(gw.tally, cpu.mockCores, gw.seconds) : null,
    relayCores: round(cpu.relayCores, 2),
    mockCores: round(cpu.mockCores, 2) ?? 0,
    driverCores: round(cpu.driverCores, 2) ?? 0,
    backgroundCores: round(cpu.backgroundCores, 2) ?? 0,
  }
}

/** One round on one path: stream, warm up, measure, stop and let the runs in flight end. */
async function streamRound(
  topology: Topology,
  client: BenchClient,
  spec: ReplySpec,
  concurrentRuns: number,
  warmupMs: number,
  measureMs: number,
): Promise<WindowResult> {
  client.startStream(spec, concurrentRuns)
  await sleep(warmupMs)
  const w = await measureWindow(topology, [client], measureMs)
  client.stopStream()
  await client.waitIdle(15_000)
  return w
}

function summarize(mode: Mode, rounds: WindowResult[], auditEntries: number, errors: string[]): ThroughputResult {
  const all = rounds.map(figures)
  const best = rounds.reduce((a, b) => (b.cpu.backgroundCores < a.cpu.backgroundCores ? b : a))
  const relayCosts = all.map((f) => f.relayCpuUsPerEvent).filter((v): v is number => v !== null)
  return {
    mode,
    ...figures(best),
    relayRssMb: best.relayRss === null ? null : round(best.relayRss / 2 ** 20, 1),
    auditEntries,
    medianDeltasPerSecond: Math.round(median(all.map((f) => f.deltasPerSecond))),
    medianRelayCpuUsPerEvent: relayCosts.length ? round(median(relayCosts), 2) : null,
    rounds: all,
    window: { startUs: best.startUs, endUs: best.endUs },
    errors,
  }
}

/** The running paths and their one user each, shared by the single-user scenarios. */
export interface SingleUserPaths {
  topologies: Map<Mode, Topology>
  clients: Map<Mode, BenchClient>
}

/**
 * Starts `modes` (in parallel), connects one user to each, runs `fn`, closes and stops everything.
 * (c) and (c') share one clawchatProxy (and its mock): two users, one SDK-like, one OpenClaw-like;
 * only one path streams at a time, and the proxy sends a user nothing of another user's runs.
 */
export async function withSingleUserPaths<T>(
  modes: readonly Mode[],
  relayExecArgv: string[] | undefined,
  fn: (paths: SingleUserPaths) => Promise<T>,
): Promise<{ value: T; auditEntries: Map<Mode, number> }> {
  const shared = modes.includes('proxy') && modes.includes('proxyOpenclaw')
  const own = modes.filter((m) => !(shared && m === 'proxyOpenclaw'))
  const out = await withTopologies(
    own.includes('proxyOpenclaw') ? own.map((m) => (m === 'proxyOpenclaw' ? 'proxy' : m)) : own,
    () => ({ proxyLimits: STREAMING_LIMITS, relayExecArgv }),
    async (started) => {
      const topologies = new Map(started)
      const proxy = started.get('proxy')
      if (modes.includes('proxyOpenclaw') && proxy) topologies.set('proxyOpenclaw', proxy)
      if (!modes.includes('proxy')) topologies.delete('proxy')
      const clients = new Map<Mode, BenchClient>()
      try {
        for (const mode of modes) {
          const topology = topologies.get(mode) as Topology
          const openclaw = mode === 'proxyOpenclaw'
          const [client] = await topology.connectUsers(1, {
            firstUser: openclaw ? 1 : 0,
            client: openclaw ? 'openclaw' : 'sdk',
            subscribeSessions: true,
          })
          if (!client) throw new Error('no client')
          clients.set(mode, client)
        }
        return await fn({ topologies, clients })
      } finally {
        for (const client of clients.values()) await client.close()
      }
    },
  )
  // One proxy, one audit trail: (c') reports the shared proxy's entries.
  if (modes.includes('proxyOpenclaw')) out.auditEntries.set('proxyOpenclaw', out.auditEntries.get('proxy') ?? 0)
  return out
}

/**
 * Streams one user through each path at full speed, in interleaved rounds (all paths up, the
 * load rotating between them); answers every round's window per path.
 */
export async function throughputRounds(
  ctx: ScenarioContext,
  paths: SingleUserPaths,
  modes: readonly Mode[],
): Promise<Map<Mode, WindowResult[]>> {
  const cfg = ctx.config.throughput
  await quietMachine(ctx)
  const rounds = new Map<Mode, WindowResult[]>(modes.map((m) => [m, []]))
  for (let r = 0; r < cfg.rounds; r += 1) {
    for (const mode of rotated(modes, r)) {
      const w = await streamRound(
        paths.topologies.get(mode) as Topology,
        paths.clients.get(mode) as BenchClient,
        cfg.spec,
        cfg.concurrentRuns,
        r === 0 ? cfg.warmupMs : cfg.roundWarmupMs,
        cfg.measureMs,
      )
      rounds.get(mode)?.push(w)
      ctx.log(
        `[1 throughput] round ${r + 1}/${cfg.rounds} ${mode}: ${Math.round(w.counts.deltas / w.seconds)} deltas/s, background ${w.cpu.backgroundCores.toFixed(2)} cores`,
      )
    }
  }
  return rounds
}

/** Scenario 1's results from its rounds (audit entries are filled in once the proxy has stopped). */
export function throughputResults(
  paths: SingleUserPaths,
  rounds: Map<Mode, WindowResult[]>,
): Partial<Record<Mode, ThroughputResult>> {
  const out: Partial<Record<Mode, ThroughputResult>> = {}
  for (const [mode, windows] of rounds)
    out[mode] = summarize(mode, windows, 0, clientErrors([paths.clients.get(mode) as BenchClient]))
  return out
}

/** Scenario 1 alone on `modes`, in processes of its own (used for the profile: `relayExecArgv`). */
export async function measureThroughput(
  ctx: ScenarioContext,
  modes: readonly Mode[],
  relayExecArgv?: string[],
): Promise<Partial<Record<Mode, ThroughputResult>>> {
  const { value, auditEntries } = await withSingleUserPaths(modes, relayExecArgv, async (paths) =>
    throughputResults(paths, await throughputRounds(ctx, paths, modes)),
  )
  for (const mode of modes) {
    const r = value[mode]
    if (r) r.auditEntries = auditEntries.get(mode) ?? 0
  }
  return value
}

/** Logs scenario 1's per-path summary. */
export function logThroughput(ctx: ScenarioContext, out: Partial<Record<Mode, ThroughputResult>>): void {
  for (const mode of SINGLE_USER_MODES) {
    const r = out[mode]
    if (!r) continue
    ctx.log(
      `[1 throughput] ${mode}: ${r.deltasPerSecond} deltas/s (median ${r.medianDeltasPerSecond}), relay ${r.relayCpuUsPerEvent ?? '-'} µs/event (median ${r.medianRelayCpuUsPerEvent ?? '-'}), gateway ${r.gatewayPerDelta?.frames ?? '-'} frames and ${r.gatewayPerDelta?.mockCpuUs ?? '-'} µs per delta, background ${r.backgroundCores} cores`,
    )
  }
}
