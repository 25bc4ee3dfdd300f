/**
 * The results: their shape, the headline ratios and the issue's targets (each judged met or not,
 * with the background load that may have disturbed it), and the markdown table.
 */
import type { BenchConfig } from './config.js'
import type { MachineInfo } from './machine.js'
import { MODE_LABEL, MODES, type Mode } from './drivers/topology.js'
import type { IdleResult } from './scenarios/idle-scale.js'
import type { LatencyResult } from './scenarios/latency.js'
import type { ManyUsersResult } from './scenarios/many-users.js'
import type { ProfileResult } from './scenarios/profile.js'
import type { ReplyBytesResult } from './scenarios/reply-bytes.js'
import type { ThroughputResult } from './scenarios/throughput.js'

/** One target of the issue, judged. */
export interface TargetResult {
  id: string
  target: string
  measured: string
  /** null when the scenario did not run. */
  met: boolean | null
  note: string
}

/** Headline figures (the keys the issue asks for, and their neighbours). */
export interface Summary {
  /** (c) / (b): one-user chat deltas per second through ClawChat over through the pipe (medians of the interleaved rounds). */
  relay_vs_pipe_throughput: number | null
  /** (c) / (a), medians. */
  relay_vs_direct_throughput: number | null
  /** (c) / (b), each path's round with the least background CPU. */
  relay_vs_pipe_throughput_quietest: number | null
  /** ClawChat's CPU per event frame relayed, µs (median of the rounds). */
  relay_cpu_us_per_event: number | null
  /** ClawChat's CPU per chat delta relayed (with its agent twin), µs. */
  relay_cpu_us_per_chat_delta: number | null
  /** The pipe's CPU per event frame, µs. */
  pipe_cpu_us_per_event: number | null
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
  /** (c) / (b) bytes on the wire for one reply. */
  relay_vs_pipe_reply_bytes: number | null
}

/** Everything one run produced. */
export interface BenchResults {
  config: BenchConfig['name']
  machine: MachineInfo
  startedAt: string
  durationSeconds: number
  throughput?: Record<Mode, ThroughputResult>
  latency?: Record<Mode, LatencyResult>
  manyUsers?: ManyUsersResult[]
  idle?: IdleResult
  replyBytes?: Record<Mode, ReplyBytesResult>
  profile?: ProfileResult
  summary: Summary
  targets: TargetResult[]
  /** Every error a client met (the smoke test fails on any). */
  errors: string[]
}

const ratio = (a: number | undefined | null, b: number | undefined | null): number | null =>
  a === undefined || a === null || b === undefined || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000

const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`)

function noise(allRounds: number[], reported: number[]): string {
  const worst = Math.max(0, ...allRounds)
  const shown = Math.max(0, ...reported)
  return worst > 0.3
    ? `other processes on this shared 2-core machine used up to ${worst.toFixed(2)} cores in some rounds, ${shown.toFixed(2)} in the rounds reported`
    : ''
}

/** Adds the summary, the judged targets and the error list to raw results. */
export function evaluate(
  raw: Omit<BenchResults, 'summary' | 'targets' | 'errors'> & Partial<BenchResults>,
  _config: BenchConfig,
): BenchResults {
  const t = raw.throughput
  const l = raw.latency
  const proxyRows = raw.manyUsers?.filter((r) => r.mode === 'proxy') ?? []
  const upstreams = [
    ...proxyRows.map((r) => r.upstreamConnections),
    ...(raw.idle ? [raw.idle.upstreamConnections] : []),
  ]
  const summary: Summary = {
    relay_vs_pipe_throughput: ratio(t?.proxy.medianDeltasPerSecond, t?.pipe.medianDeltasPerSecond),
    relay_vs_direct_throughput: ratio(t?.proxy.medianDeltasPerSecond, t?.direct.medianDeltasPerSecond),
    relay_vs_pipe_throughput_quietest: ratio(t?.proxy.deltasPerSecond, t?.pipe.deltasPerSecond),
    relay_cpu_us_per_event: t?.proxy.medianRelayCpuUsPerEvent ?? null,
    relay_cpu_us_per_chat_delta: t?.proxy.relayCpuUsPerDelta ?? null,
    pipe_cpu_us_per_event: t?.pipe.medianRelayCpuUsPerEvent ?? null,
    relay_added_latency_p50_ms: l?.proxy.addedP50Ms ?? null,
    relay_added_latency_p99_ms: l?.proxy.addedP99Ms ?? null,
    relay_added_latency_p99_ms_pooled: l?.proxy.pooledAddedP99Ms ?? null,
    pipe_added_latency_p99_ms: l?.pipe.addedP99Ms ?? null,
    rss_per_idle_connection_kib: raw.idle?.rssPerConnectionKiB ?? null,
    relay_upstream_connections_max: upstreams.length ? Math.max(...upstreams) : null,
    reply_wire_bytes_pipe: raw.replyBytes?.pipe.wireBytes ?? null,
    reply_wire_bytes_relay: raw.replyBytes?.proxy.wireBytes ?? null,
    relay_vs_pipe_reply_bytes: ratio(raw.replyBytes?.proxy.wireBytes, raw.replyBytes?.pipe.wireBytes),
  }
  const targets: TargetResult[] = [
    {
      id: 'throughput',
      target: "(c) at least 60% of (b)'s one-user throughput",
      measured:
        summary.relay_vs_pipe_throughput === null
          ? 'not run'
          : `${(summary.relay_vs_pipe_throughput * 100).toFixed(1)}% (medians of ${t?.proxy.rounds.length} interleaved rounds: ${t?.proxy.medianDeltasPerSecond} vs ${t?.pipe.medianDeltasPerSecond} deltas/s; quietest rounds: ${summary.relay_vs_pipe_throughput_quietest === null ? '–' : `${(summary.relay_vs_pipe_throughput_quietest * 100).toFixed(1)}%`})`,
      met: summary.relay_vs_pipe_throughput === null ? null : summary.relay_vs_pipe_throughput >= 0.6,
      note: t
        ? noise(
            MODES.flatMap((m) => t[m].rounds.map((x) => x.backgroundCores)),
            MODES.map((m) => t[m].backgroundCores),
          )
        : '',
    },
    {
      id: 'latency',
      target: 'p99 added latency at most 2 ms at 1,000 events/s',
      measured:
        summary.relay_added_latency_p99_ms === null
          ? 'not run'
          : `${summary.relay_added_latency_p99_ms} ms in the quietest rounds (p99 ${l?.proxy.p99Ms} ms vs ${l?.direct.p99Ms} ms direct, at ${l?.proxy.deltasPerSecond} deltas/s); all rounds pooled: ${summary.relay_added_latency_p99_ms_pooled} ms`,
      met: summary.relay_added_latency_p99_ms === null ? null : summary.relay_added_latency_p99_ms <= 2,
      note: l
        ? noise(
            MODES.flatMap((m) => l[m].rounds.map((x) => x.backgroundCores)),
            MODES.map((m) => l[m].backgroundCores),
          )
        : '',
    },
    {
      id: 'idle-rss',
      target: 'at most 32 KiB RSS per idle connection',
      measured: raw.idle
        ? `${raw.idle.rssPerConnectionKiB} KiB at ${raw.idle.connections} connections (heap ${raw.idle.heapPerConnectionKiB} KiB)`
        : 'not run',
      met: raw.idle ? raw.idle.rssPerConnectionKiB <= 32 : null,
      note: '',
    },
    {
      id: 'one-upstream',
      target: 'one upstream connection whatever N',
      measured: upstreams.length
        ? `${upstreams.join(', ')} (N = ${[...proxyRows.map((r) => r.users), ...(raw.idle ? [raw.idle.connections] : [])].join(', ')})`
        : 'not run',
      met: upstreams.length ? upstreams.every((u) => u === 1) : null,
      note: '',
    },
  ]
  const errors = [
    ...MODES.flatMap((m) => [
      ...(t?.[m].errors ?? []),
      ...(l?.[m].errors ?? []),
      ...(raw.replyBytes?.[m].errors ?? []),
    ]),
    ...(raw.manyUsers?.flatMap((r) => r.errors) ?? []),
    ...(raw.idle?.errors ?? []),
    ...(raw.profile?.load.errors ?? []),
  ]
  return { ...raw, summary, targets, errors }
}

function table(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) =>
    v === null || v === undefined ? '–' : typeof v === 'number' ? v.toLocaleString('en-US') : v
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}

/** The results as a markdown report. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine
  const out: string[] = []
  out.push(`# ClawChat relay benchmark (${r.config})`)
  out.push('')
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; fd limit ${m.fdLimit}; load average ${m.loadAverageAtStart} at start.`,
  )
  out.push(
    `Measured @clawchat/server build ${m.serverBuild.sha256} (dist built ${m.serverBuild.builtAt}). Run ${r.startedAt}, ${r.durationSeconds} s.`,
  )
  out.push(
    'Paths: (a) clients straight to the mock gateway; (b) through `http-proxy` (bytes piped, frames never read); (c) through `clawchatProxy` (default method policy, audit to a file). Each path runs in fresh processes: mock gateway, relay and clients each in its own.',
  )
  out.push('')
  out.push('## Targets')
  out.push('')
  out.push(
    table(
      ['target', 'measured', 'met', 'note'],
      r.targets.map((t) => [t.target, t.measured, t.met === null ? 'not run' : t.met ? 'yes' : '**no**', t.note]),
    ),
  )
  out.push('')
  out.push(
    `Ratios: (c)/(b) throughput = ${pct(r.summary.relay_vs_pipe_throughput)}, (c)/(a) throughput = ${pct(r.summary.relay_vs_direct_throughput)} (medians of interleaved rounds; quietest rounds: (c)/(b) = ${pct(r.summary.relay_vs_pipe_throughput_quietest)}); relay CPU ${r.summary.relay_cpu_us_per_event ?? '–'} µs per event vs the pipe's ${r.summary.pipe_cpu_us_per_event ?? '–'} µs.`,
  )
  if (r.throughput) {
    const t = r.throughput
    out.push('')
    out.push('## 1. One user streaming (as fast as the path goes)')
    out.push('')
    out.push(
      `The three paths are measured in ${t.proxy.rounds.length} interleaved rounds of ${t.proxy.seconds} s (all paths up, the load rotating between them). Each row is the path's round with the least background CPU (other processes on this shared machine); the last column is the median of its rounds. Rounds (deltas/s @ background cores): ${MODES.map((m) => `${m} ${t[m].rounds.map((x) => `${x.deltasPerSecond}@${x.backgroundCores}`).join(' ')}`).join('; ')}.`,
    )
    out.push('')
    out.push(
      table(
        [
          'path',
          'chat deltas/s',
          'events/s',
          'MB/s',
          'avg delta frame (B)',
          'relay CPU µs/event',
          'relay CPU µs/delta',
          'relay cores',
          'gateway cores',
          'clients cores',
          'background cores',
          'median of rounds: deltas/s, relay µs/event',
        ],
        MODES.map((mode) => {
          const x = t[mode]
          return [
            MODE_LABEL[mode],
            x.deltasPerSecond,
            x.framesPerSecond,
            x.mbPerSecond,
            x.avgDeltaFrameBytes,
            x.relayCpuUsPerEvent,
            x.relayCpuUsPerDelta,
            x.relayCores,
            x.mockCores,
            x.driverCores,
            x.backgroundCores,
            `${x.medianDeltasPerSecond.toLocaleString('en-US')}, ${x.medianRelayCpuUsPerEvent ?? '–'}`,
          ]
        }),
      ),
    )
    out.push('')
    out.push(
      `(c)/(b) = ${pct(r.summary.relay_vs_pipe_throughput)}, (c)/(a) = ${pct(r.summary.relay_vs_direct_throughput)} (medians). An event is one gateway event frame delivered (each chat delta comes with its \`agent\` assistant twin, plus each run's status/lifecycle events). The mock gateway's ceiling is (a) by definition: ${t.direct.deltasPerSecond} deltas/s with the gateway process at ${t.direct.mockCores} cores (${t.direct.mockCpuUsPerEvent} µs per event sent). Audit entries written by (c) during scenarios 1, 2 and 5: ${t.proxy.auditEntries}.`,
    )
  }
  if (r.latency) {
    const l = r.latency
    out.push('')
    out.push(`## 2. Added latency at a fixed rate (gateway send → client receive)`)
    out.push('')
    out.push(
      `The mock stamps each delta with CLOCK_MONOTONIC at \`ws.send\`; the client subtracts on receipt. ${l.proxy.rounds.length} interleaved rounds per path; each row is the path's round with the least background CPU; the last column pools all its rounds.`,
    )
    out.push('')
    out.push(
      table(
        [
          'path',
          'chat deltas/s',
          'samples',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'p99.9 ms',
          'max ms',
          'added p50 ms',
          'added p99 ms',
          'relay cores',
          'background cores',
          'all rounds pooled: p99 ms / added',
        ],
        MODES.map((mode) => {
          const x = l[mode]
          return [
            MODE_LABEL[mode],
            x.deltasPerSecond,
            x.samples,
            x.p50Ms,
            x.p90Ms,
            x.p99Ms,
            x.p999Ms,
            x.maxMs,
            x.addedP50Ms,
            x.addedP99Ms,
            x.relayCores,
            x.backgroundCores,
            `${x.pooled.p99Ms} / ${x.pooledAddedP99Ms ?? '–'}`,
          ]
        }),
      ),
    )
  }
  if (r.manyUsers) {
    out.push('')
    out.push('## 3. Many users, each streaming at a fixed rate')
    out.push('')
    out.push(
      table(
        [
          'path',
          'N',
          'asked deltas/s',
          'delivered deltas/s',
          'delivered',
          'events/s received',
          'upstream conns',
          'relay cores',
          'relay RSS MB',
          'gateway cores',
          'clients cores',
          'background cores',
          'limited by',
        ],
        r.manyUsers.map((x) => [
          MODE_LABEL[x.mode],
          x.users,
          x.expectedDeltasPerSecond,
          x.deltasPerSecond,
          pct(x.deliveredRatio),
          x.framesPerSecond,
          x.upstreamConnections,
          x.relayCores,
          x.relayRssMb,
          x.mockCores,
          x.driverCores,
          x.backgroundCores,
          x.mode === 'proxy' ? x.limitedBy : x.gatewayBound ? `gateway-bound (${x.limitedBy})` : x.limitedBy,
        ]),
      ),
    )
    out.push('')
    out.push(
      "(a) and (b) need one gateway connection per user, and the gateway sends every user's events to each of them (N² frames): reported as gateway-bound where that fan-out, not the relay, sets the limit. (c) serves every N over one upstream link and filters per user.",
    )
  }
  if (r.idle) {
    const i = r.idle
    out.push('')
    out.push(`## 4. Idle authenticated connections (through clawchatProxy)`)
    out.push('')
    out.push(
      table(
        ['connections', 'relay RSS MB', 'relay heap MB', 'RSS per connection KiB', 'heap per connection KiB'],
        i.checkpoints.map((c) => [c.connections, c.rssMb, c.heapUsedMb, c.rssPerConnectionKiB, c.heapPerConnectionKiB]),
      ),
    )
    out.push('')
    out.push(
      `Baseline RSS ${i.baselineRssMb} MB after ${i.connections} logins (express-session MemoryStore) and a forced GC; marginal cost between the first and last checkpoints ${i.marginalRssPerConnectionKiB ?? '–'} KiB per connection. Proxy reports ${i.proxyConnections} open connections; the gateway holds ${i.upstreamConnections} upstream connection(s). Opening took ${i.openSeconds} s. fd limit ${i.fdLimit}.`,
    )
  }
  if (r.replyBytes) {
    const b = r.replyBytes
    const any = b.proxy
    out.push('')
    out.push(
      `## 5. Bytes to the browser for one ${any.replyChars}-character reply (${any.chunkChars}-character deltas)`,
    )
    out.push('')
    out.push(
      table(
        [
          'path',
          'frames',
          'chat deltas',
          'chat delta bytes',
          'agent frames',
          'agent bytes',
          'other bytes',
          'payload bytes',
          'wire bytes',
          'TCP bytes read',
          'wire bytes per reply char',
        ],
        MODES.map((mode) => {
          const x = b[mode]
          return [
            MODE_LABEL[mode],
            x.frames,
            x.chatDeltas,
            x.chatDeltaBytes,
            x.agentFrames,
            x.agentBytes,
            x.otherBytes,
            x.payloadBytes,
            x.wireBytes,
            x.socketBytes,
            x.wireBytesPerReplyChar,
          ]
        }),
      ),
    )
    out.push('')
    out.push(
      `(c)/(b) wire bytes = ${pct(r.summary.relay_vs_pipe_reply_bytes)}. Every delta repeats the whole reply so far in \`message\`, and its \`agent\` twin repeats it again in \`data.text\`: the bytes grow with the square of the reply's length.`,
    )
  }
  if (r.profile) {
    const p = r.profile
    out.push('')
    out.push(
      `## Relay profile (\`node --cpu-prof\`, scenario 1 load, ${p.load.deltasPerSecond} deltas/s while profiling)`,
    )
    out.push('')
    out.push(
      table(
        ['self %', 'total %', 'function', 'area', 'location'],
        p.topSelf.slice(0, 15).map((x) => [x.selfPct, x.totalPct, `\`${x.function}\``, x.area, x.location]),
      ),
    )
    out.push('')
    out.push(`Full summary: \`${p.summaryFile}\`.`)
  }
  if (r.errors.length) {
    out.push('')
    out.push('## Errors seen by clients')
    out.push('')
    for (const e of r.errors.slice(0, 20)) out.push(`- ${e}`)
  }
  out.push('')
  return out.join('\n')
}
