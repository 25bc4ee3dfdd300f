/**
 * The targets of issue 19 ("a lean wire"), judged on one run's results, each with the background
 * load (other processes on this shared machine) of the rounds its figure comes from.
 */
import type { BenchResults, Summary, TargetResult } from './report.js'

type Raw = Omit<BenchResults, 'summary' | 'targets' | 'errors'>

/** Relay CPU per gateway event (SDK clients): at most this many µs … */
export const RELAY_CPU_TARGET_US = 10
/** … or at most this multiple of the measured floor, if that is higher. */
export const RELAY_FLOOR_FACTOR = 1.2
/** (c) ÷ (b) one-user chat deltas/s, medians. */
export const THROUGHPUT_TARGET = 0.8
/** Added p99 at 1,000 events/s in quiet rounds, ms. */
export const ADDED_P99_TARGET_MS = 1
/** Wire bytes to an SDK browser per reply character. */
export const SDK_BYTES_TARGET = 6
/** RSS per idle connection at 10,000, KiB. */
export const IDLE_KIB_TARGET = 8

const fmt = (values: number[]) => (values.length ? Math.max(...values).toFixed(2) : '–')

function background(reported: number[], all: number[]): string {
  return reported.length ? `${fmt(reported)} (busiest round ${fmt(all)})` : '–'
}

function noise(all: number[]): string {
  const worst = Math.max(0, ...all)
  return worst > 0.3
    ? `other processes on this shared 2-core machine used up to ${worst.toFixed(2)} cores in some rounds`
    : ''
}

function throughputBackground(raw: Raw, modes: ('pipe' | 'floor' | 'proxy' | 'proxyOpenclaw')[]) {
  const rows = modes.map((m) => raw.throughput?.[m]).filter((r) => r !== undefined)
  const all = rows.flatMap((r) => r.rounds.map((x) => x.backgroundCores))
  return { reported: rows.map((r) => r.backgroundCores), all }
}

function relayCpu(raw: Raw, s: Summary): TargetResult {
  const bg = throughputBackground(raw, ['floor', 'proxy'])
  const relay = s.relay_cpu_us_per_event
  const floor = s.relay_floor_us_per_event
  const limit = Math.max(RELAY_CPU_TARGET_US, floor === null ? 0 : RELAY_FLOOR_FACTOR * floor)
  return {
    id: 'relay-cpu',
    target: `relay CPU per gateway event, SDK clients ≤ ${RELAY_CPU_TARGET_US} µs, or ≤ ${RELAY_FLOOR_FACTOR} × the measured floor if that is higher`,
    measured:
      relay === null
        ? 'not run'
        : `${relay} µs (median of rounds); floor ${floor ?? '–'} µs (limit ${limit.toFixed(2)} µs); pipe ${s.pipe_cpu_us_per_event ?? '–'} µs; OpenClaw client ${s.relay_cpu_us_per_event_openclaw_client ?? '–'} µs`,
    met: relay === null ? null : relay <= limit,
    background: background(bg.reported, bg.all),
    note: noise(bg.all),
  }
}

function throughput(raw: Raw, s: Summary): TargetResult {
  const t = raw.throughput
  const bg = throughputBackground(raw, ['pipe', 'proxy', 'proxyOpenclaw'])
  const r = s.relay_vs_pipe_throughput
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)
  return {
    id: 'throughput',
    target: `(c) chat deltas/s ÷ (b) pipe, one user streaming, medians ≥ ${THROUGHPUT_TARGET.toFixed(2)}`,
    measured:
      r === null
        ? 'not run'
        : `${r.toFixed(3)} (${t?.proxy?.medianDeltasPerSecond} vs ${t?.pipe?.medianDeltasPerSecond} deltas/s, medians of ${t?.proxy?.rounds.length} interleaved rounds; quietest rounds ${pct(s.relay_vs_pipe_throughput_quietest)}); OpenClaw client (c')/(b) ${s.relay_vs_pipe_throughput_openclaw_client ?? '–'}`,
    met: r === null ? null : r >= THROUGHPUT_TARGET,
    background: background(bg.reported, bg.all),
    note: noise(bg.all),
  }
}

function latency(raw: Raw, s: Summary): TargetResult {
  const l = raw.latency
  const rows = (['direct', 'proxy'] as const).map((m) => l?.[m]).filter((x) => x !== undefined)
  const all = rows.flatMap((x) => x.rounds.map((y) => y.backgroundCores))
  return {
    id: 'latency',
    target: `added p99 at 1,000 events/s, quiet rounds ≤ ${ADDED_P99_TARGET_MS.toFixed(1)} ms`,
    measured:
      s.added_p99_ms === null
        ? 'not run'
        : `${s.added_p99_ms} ms in the quietest rounds (p99 ${l?.proxy?.p99Ms} ms vs ${l?.direct?.p99Ms} ms direct, at ${l?.proxy?.deltasPerSecond} deltas/s); all rounds pooled: ${s.relay_added_latency_p99_ms_pooled} ms`,
    met: s.added_p99_ms === null ? null : s.added_p99_ms <= ADDED_P99_TARGET_MS,
    background: background(
      rows.map((x) => x.backgroundCores),
      all,
    ),
    note: noise(all),
  }
}

function sdkBytes(raw: Raw, s: Summary): TargetResult {
  const b = raw.replyBytes?.proxy
  return {
    id: 'sdk-bytes',
    target: `bytes to an SDK browser per reply character (2,000-char reply, 8-char deltas) ≤ ${SDK_BYTES_TARGET}`,
    measured:
      s.sdk_bytes_per_reply_char === null || !b
        ? 'not run'
        : `${s.sdk_bytes_per_reply_char} (${b.wireBytes} wire bytes, ${b.frames} frames for ${b.replyChars} characters in ${b.chunkChars}-char deltas); OpenClaw client ${s.openclaw_bytes_per_reply_char ?? '–'}`,
    met: s.sdk_bytes_per_reply_char === null ? null : s.sdk_bytes_per_reply_char <= SDK_BYTES_TARGET,
    background: '–',
    note: '',
  }
}

function idle(raw: Raw, s: Summary): TargetResult {
  const i = raw.idle
  return {
    id: 'idle-rss',
    target: `RSS per idle connection at 10,000 ≤ ${IDLE_KIB_TARGET} KiB`,
    measured: i
      ? `${i.rssPerConnectionKiB} KiB at ${i.connections} connections (heap ${i.heapPerConnectionKiB} KiB; marginal ${i.marginalRssPerConnectionKiB ?? '–'} KiB)`
      : 'not run',
    met: s.idle_kib_per_connection === null ? null : s.idle_kib_per_connection <= IDLE_KIB_TARGET,
    background: '–',
    note: i && i.connections < 10_000 ? `measured at ${i.connections} connections (this run's size), not 10,000` : '',
  }
}

function upstream(raw: Raw): TargetResult {
  const proxyRows = raw.manyUsers?.filter((r) => r.mode === 'proxy') ?? []
  const counts = [...proxyRows.map((r) => r.upstreamConnections), ...(raw.idle ? [raw.idle.upstreamConnections] : [])]
  const ns = [...proxyRows.map((r) => r.users), ...(raw.idle ? [raw.idle.connections] : [])]
  return {
    id: 'one-upstream',
    target: 'upstream links for 10,000 browsers: 1',
    measured: counts.length ? `${counts.join(', ')} (N = ${ns.join(', ')})` : 'not run',
    met: counts.length ? counts.every((u) => u === 1) : null,
    background: '–',
    note: '',
  }
}

/** Judges issue 19's targets. */
export function judgeTargets(raw: Raw, summary: Summary): TargetResult[] {
  return [
    relayCpu(raw, summary),
    throughput(raw, summary),
    latency(raw, summary),
    sdkBytes(raw, summary),
    idle(raw, summary),
    upstream(raw),
  ]
}
