/**
 * The results: their shape, the headline figures (`summary`) and the targets (each judged
 * met or not, with the background load that may have disturbed it). The markdown is
 * `report-markdown.ts` (re-exported here).
 */
import type { BenchConfig } from './config.js'
import type { MachineInfo } from './machine.js'
import { SINGLE_USER_MODES, type Mode } from './drivers/topology.js'
import type { IdleResult } from './scenarios/idle-scale.js'
import type { LatencyResult } from './scenarios/latency.js'
import type { ManyUsersResult } from './scenarios/many-users.js'
import type { ProfileResult } from './scenarios/profile.js'
import type { ReplyBytesResult } from './scenarios/reply-bytes.js'
import type { ThroughputResult } from './scenarios/throughput.js'
import { judgeTargets } from './report-targets.js'

export { renderMarkdown } from './report-markdown.js'

/** One target of the issue, judged. */
export interface TargetResult {
  id: string
  target: string
  measured: string
  /** null when the scenario did not run. */
  met: boolean | null
  /** Background cores (other processes) in the rounds the figure comes from, and the busiest round's. */
  background: string
  note: string
}

/** Headline figures (the keys the issues ask for, and their neighbours). */
export interface Summary {
  /** (c) / (b): one-user chat deltas per second, SDK client (lean wire) over the pipe (medians of the interleaved rounds). */
  relay_vs_pipe_throughput: number | null
  /** (c') / (b): the same for an OpenClaw client through the same proxy (no ClawChat caps), medians. */
  relay_vs_pipe_throughput_openclaw_client: number | null
  /** (c) / (a), medians. */
  relay_vs_direct_throughput: number | null
  /** (c) / (b), each path's round with the least background CPU. */
  relay_vs_pipe_throughput_quietest: number | null
  /** ClawChat's CPU per gateway event (frame the gateway sent its link), SDK client, µs (median of the rounds). */
  relay_cpu_us_per_event: number | null
  /** The same with an OpenClaw client (c'). */
  relay_cpu_us_per_event_openclaw_client: number | null
  /** The floor relay's CPU per gateway event (parse once, stringify once, one send), µs, median. */
  relay_floor_us_per_event: number | null
  /** ClawChat's CPU per chat delta delivered (SDK client), µs. */
  relay_cpu_us_per_chat_delta: number | null
  /** The pipe's CPU per gateway event, µs, median. */
  pipe_cpu_us_per_event: number | null
  /** Wire bytes to the browser per reply character, one reply (2,000 characters in 8-character deltas in the full run). */
  sdk_bytes_per_reply_char: number | null
  openclaw_bytes_per_reply_char: number | null
  /** p99 added latency of (c) over (a) in their quietest rounds, ms (= relay_added_latency_p99_ms). */
  added_p99_ms: number | null
  /** RSS per idle authenticated connection at the last checkpoint (10,000 in the full run), KiB. */
  idle_kib_per_connection: number | null
  /** Idle connections the proxy reported open at the end of scenario 4. */
  idle_connections: number | null
  /** Upstream links the gateway held for them. */
  upstream_links: number | null
  /** Added latency of (c) over (a) in their quietest rounds, ms. */
  relay_added_latency_p50_ms: number | null
  relay_added_latency_p99_ms: number | null
  /** The same with all rounds pooled. */
  relay_added_latency_p99_ms_pooled: number | null
  pipe_added_latency_p99_ms: number | null
  rss_per_idle_connection_kib: number | null
  /** Most upstream connections ClawChat used in any scenario. */
  relay_upstream_connections_max: number | null
  reply_wire_bytes_pipe: number | null
  reply_wire_bytes_relay: number | null
  reply_wire_bytes_relay_openclaw_client: number | null
  /** (c) / (b) bytes on the wire for one reply. */
  relay_vs_pipe_reply_bytes: number | null
  /** Frames the gateway sent per chat delta, to the direct client and to clawchatProxy's link (scenario 1). */
  gateway_frames_per_delta_direct: number | null
  gateway_frames_per_delta_proxy: number | null
  /** Gateway (mock) CPU per chat delta it sent, µs, direct and to clawchatProxy (scenario 1, quietest rounds). */
  gateway_cpu_us_per_delta_direct: number | null
  gateway_cpu_us_per_delta_proxy: number | null
}

/** Everything one run produced. */
export interface BenchResults {
  config: BenchConfig['name']
  machine: MachineInfo
  startedAt: string
  durationSeconds: number
  throughput?: Partial<Record<Mode, ThroughputResult>>
  latency?: Partial<Record<Mode, LatencyResult>>
  manyUsers?: ManyUsersResult[]
  idle?: IdleResult
  replyBytes?: Partial<Record<Mode, ReplyBytesResult>>
  profile?: ProfileResult
  summary: Summary
  targets: TargetResult[]
  /** Every error a client met (the smoke test fails on any). */
  errors: string[]
}

/** a / b to 3 decimals, or null. */
export const ratio = (a: number | undefined | null, b: number | undefined | null): number | null =>
  a === undefined || a === null || b === undefined || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000

function summarize(raw: Omit<BenchResults, 'summary' | 'targets' | 'errors'>): Summary {
  const t = raw.throughput
  const l = raw.latency
  const b = raw.replyBytes
  const proxyRows = raw.manyUsers?.filter((r) => r.mode === 'proxy') ?? []
  const upstreams = [
    ...proxyRows.map((r) => r.upstreamConnections),
    ...(raw.idle ? [raw.idle.upstreamConnections] : []),
  ]
  return {
    relay_vs_pipe_throughput: ratio(t?.proxy?.medianDeltasPerSecond, t?.pipe?.medianDeltasPerSecond),
    relay_vs_pipe_throughput_openclaw_client: ratio(
      t?.proxyOpenclaw?.medianDeltasPerSecond,
      t?.pipe?.medianDeltasPerSecond,
    ),
    relay_vs_direct_throughput: ratio(t?.proxy?.medianDeltasPerSecond, t?.direct?.medianDeltasPerSecond),
    relay_vs_pipe_throughput_quietest: ratio(t?.proxy?.deltasPerSecond, t?.pipe?.deltasPerSecond),
    relay_cpu_us_per_event: t?.proxy?.medianRelayCpuUsPerEvent ?? null,
    relay_cpu_us_per_event_openclaw_client: t?.proxyOpenclaw?.medianRelayCpuUsPerEvent ?? null,
    relay_floor_us_per_event: t?.floor?.medianRelayCpuUsPerEvent ?? null,
    relay_cpu_us_per_chat_delta: t?.proxy?.relayCpuUsPerDelta ?? null,
    pipe_cpu_us_per_event: t?.pipe?.medianRelayCpuUsPerEvent ?? null,
    sdk_bytes_per_reply_char: b?.proxy?.wireBytesPerReplyChar ?? null,
    openclaw_bytes_per_reply_char: b?.proxyOpenclaw?.wireBytesPerReplyChar ?? null,
    added_p99_ms: l?.proxy?.addedP99Ms ?? null,
    idle_kib_per_connection: raw.idle?.rssPerConnectionKiB ?? null,
    idle_connections: raw.idle?.proxyConnections ?? null,
    upstream_links: raw.idle?.upstreamConnections ?? null,
    relay_added_latency_p50_ms: l?.proxy?.addedP50Ms ?? null,
    relay_added_latency_p99_ms: l?.proxy?.addedP99Ms ?? null,
    relay_added_latency_p99_ms_pooled: l?.proxy?.pooledAddedP99Ms ?? null,
    pipe_added_latency_p99_ms: l?.pipe?.addedP99Ms ?? null,
    rss_per_idle_connection_kib: raw.idle?.rssPerConnectionKiB ?? null,
    relay_upstream_connections_max: upstreams.length ? Math.max(...upstreams) : null,
    reply_wire_bytes_pipe: b?.pipe?.wireBytes ?? null,
    reply_wire_bytes_relay: b?.proxy?.wireBytes ?? null,
    reply_wire_bytes_relay_openclaw_client: b?.proxyOpenclaw?.wireBytes ?? null,
    relay_vs_pipe_reply_bytes: ratio(b?.proxy?.wireBytes, b?.pipe?.wireBytes),
    gateway_frames_per_delta_direct: t?.direct?.gatewayPerDelta?.frames ?? null,
    gateway_frames_per_delta_proxy: t?.proxy?.gatewayPerDelta?.frames ?? null,
    gateway_cpu_us_per_delta_direct: t?.direct?.gatewayPerDelta?.mockCpuUs ?? null,
    gateway_cpu_us_per_delta_proxy: t?.proxy?.gatewayPerDelta?.mockCpuUs ?? null,
  }
}

/** Adds the summary, the judged targets and the error list to raw results. */
export function evaluate(
  raw: Omit<BenchResults, 'summary' | 'targets' | 'errors'> & Partial<BenchResults>,
  _config: BenchConfig,
): BenchResults {
  const summary = summarize(raw)
  const targets = judgeTargets(raw, summary)
  const t = raw.throughput
  const errors = [
    ...SINGLE_USER_MODES.flatMap((m) => [
      ...(t?.[m]?.errors ?? []),
      ...(raw.latency?.[m]?.errors ?? []),
      ...(raw.replyBytes?.[m]?.errors ?? []),
    ]),
    ...(raw.manyUsers?.flatMap((r) => r.errors) ?? []),
    ...(raw.idle?.errors ?? []),
    ...(raw.profile?.load.errors ?? []),
  ]
  return { ...raw, summary, targets, errors }
}
