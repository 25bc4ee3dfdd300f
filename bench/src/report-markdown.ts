/** The results as a markdown report (`results.md`). */
import { MODE_LABEL, MODES, SINGLE_USER_MODES, type Mode } from './drivers/topology.js'
import type { BenchResults } from './report.js'
import { FRAME_KINDS } from './agents/send-tally.js'

type Cell = string | number | null | undefined

function table(header: string[], rows: Cell[][]): string {
  const cell = (v: Cell) =>
    v === null || v === undefined ? '–' : typeof v === 'number' ? v.toLocaleString('en-US') : v
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}

const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`)

/** The modes present in a per-mode record, in table order. */
function present<T>(record: Partial<Record<Mode, T>>, order: readonly Mode[] = SINGLE_USER_MODES): [Mode, T][] {
  return order.flatMap((m) => (record[m] === undefined ? [] : [[m, record[m] as T] as [Mode, T]]))
}

function header(r: BenchResults, out: string[]): void {
  const m = r.machine
  out.push(`# ClawChat relay benchmark (${r.config})`, '')
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; fd limit ${m.fdLimit}; load average ${m.loadAverageAtStart} at start.`,
  )
  out.push(
    `Measured @clawchat/server build ${m.serverBuild.sha256} (dist built ${m.serverBuild.builtAt}). Run ${r.startedAt}, ${r.durationSeconds} s.`,
  )
  out.push(
    "Paths: (a) clients straight to the mock gateway; (b) through `http-proxy` (bytes piped, frames never read); (f) through the floor relay (each gateway frame parsed once, serialised once, sent once; writes batched per turn); (c) through `clawchatProxy` (default method policy, audit to a file) with a client that speaks like the SDK (`SDK_CAPS`: the lean wire); (c') the same proxy with an OpenClaw client (no ClawChat caps: OpenClaw's frames). Each path runs in fresh processes: mock gateway, relay and clients each in its own.",
  )
  out.push('', '## Targets (issue 19)', '')
  out.push(
    table(
      ['target', 'measured', 'met', 'background cores (reported rounds; busiest)', 'note'],
      r.targets.map((t) => [
        t.target,
        t.measured,
        t.met === null ? 'not run' : t.met ? 'yes' : '**no**',
        t.background,
        t.note,
      ]),
    ),
  )
  const s = r.summary
  out.push('')
  out.push(
    `Ratios: (c)/(b) throughput = ${pct(s.relay_vs_pipe_throughput)}, (c')/(b) = ${pct(s.relay_vs_pipe_throughput_openclaw_client)}, (c)/(a) = ${pct(s.relay_vs_direct_throughput)} (medians of interleaved rounds; quietest rounds: (c)/(b) = ${pct(s.relay_vs_pipe_throughput_quietest)}); CPU per gateway event: relay ${s.relay_cpu_us_per_event ?? '–'} µs (OpenClaw client ${s.relay_cpu_us_per_event_openclaw_client ?? '–'} µs), floor ${s.relay_floor_us_per_event ?? '–'} µs, pipe ${s.pipe_cpu_us_per_event ?? '–'} µs.`,
  )
}

function throughputSection(r: BenchResults, out: string[]): void {
  const t = r.throughput
  if (!t) return
  const rows = present(t)
  const any = rows[0]?.[1]
  out.push('', '## 1. One user streaming (as fast as the path goes)', '')
  out.push(
    `The ${rows.length} paths are measured in ${any?.rounds.length ?? 0} interleaved rounds of ${any?.seconds ?? 0} s (all paths up, the load rotating between them). Each row is the path's round with the least background CPU (other processes on this shared machine); the last column is the median of its rounds. A gateway event is one frame the gateway sent on the path (to the client, or to the pipe's, floor's or proxy's link); relay CPU per gateway event divides by those. Chat deltas count what the client got (a merged lean frame counts the deltas it carries). Rounds (deltas/s @ background cores): ${rows.map(([m, x]) => `${m} ${x.rounds.map((y) => `${y.deltasPerSecond}@${y.backgroundCores}`).join(' ')}`).join('; ')}.`,
  )
  out.push('')
  out.push(
    table(
      [
        'path',
        'chat deltas/s',
        'delta frames/s',
        'frames/s to client',
        'gateway events/s',
        'MB/s',
        'avg delta frame (B)',
        'relay CPU µs/gateway event',
        'relay CPU µs/delta',
        'relay cores',
        'gateway cores',
        'clients cores',
        'background cores',
        'median of rounds: deltas/s, relay µs/event',
      ],
      rows.map(([mode, x]) => [
        MODE_LABEL[mode],
        x.deltasPerSecond,
        x.deltaFramesPerSecond,
        x.framesPerSecond,
        x.gatewayEventsPerSecond,
        x.mbPerSecond,
        x.avgDeltaFrameBytes,
        x.relayCpuUsPerEvent,
        x.relayCpuUsPerDelta,
        x.relayCores,
        x.mockCores,
        x.driverCores,
        x.backgroundCores,
        `${x.medianDeltasPerSecond.toLocaleString('en-US')}, ${x.medianRelayCpuUsPerEvent ?? '–'}`,
      ]),
    ),
  )
  out.push('')
  out.push(
    `(c)/(b) = ${pct(r.summary.relay_vs_pipe_throughput)}, (c')/(b) = ${pct(r.summary.relay_vs_pipe_throughput_openclaw_client)}, (c)/(a) = ${pct(r.summary.relay_vs_direct_throughput)} (medians). The mock gateway's ceiling is (a) by definition${t.direct ? `: ${t.direct.deltasPerSecond} deltas/s with the gateway process at ${t.direct.mockCores} cores` : ''}. Audit entries written by (c) during scenarios 1, 2 and 5: ${t.proxy?.auditEntries ?? '–'}.`,
  )
  gatewaySection(r, out)
}

function gatewaySection(r: BenchResults, out: string[]): void {
  const rows = present(r.throughput ?? {}).filter(([, x]) => x.gatewayPerDelta !== null)
  if (rows.length === 0) return
  out.push('', '### What the gateway sends per chat delta (scenario 1, the rows above)', '')
  out.push(
    table(
      [
        'path',
        'frames/delta',
        ...FRAME_KINDS.map((k) => `${k}/delta`),
        'bytes/delta',
        'sessionsChanged bytes/delta',
        'socket writes/frame',
        'chunks/write',
        'gateway cores',
        'gateway µs/delta',
      ],
      rows.map(([mode, x]) => {
        const g = x.gatewayPerDelta
        return [
          MODE_LABEL[mode],
          g?.frames,
          ...FRAME_KINDS.map((k) => g?.byKind[k]),
          g?.bytes,
          g?.bytesByKind.sessionsChanged,
          g?.writesPerFrame,
          g?.chunksPerWrite,
          x.mockCores,
          g?.mockCpuUs,
        ]
      }),
    ),
  )
  out.push('')
  out.push(
    "Counted in the mock gateway process (`send-tally.ts`: its `ws` sends by kind; its sockets' `_write`/`_writev` calls, ≈ write system calls). clawchatProxy's link calls `sessions.subscribe`, so it also gets `sessions.changed` after every run step and `session.message` for every message, each embedding the session row (with the ids of every run in flight on that session).",
  )
}

function latencySection(r: BenchResults, out: string[]): void {
  const l = r.latency
  if (!l) return
  const rows = present(l, MODES)
  out.push('', `## 2. Added latency at a fixed rate (gateway send → client receive)`, '')
  out.push(
    `The mock stamps each delta with CLOCK_MONOTONIC at \`ws.send\`; the client subtracts on receipt ((c): the stamp is in the lean frame's text; a merged frame gives its first, earliest, stamp). ${rows[0]?.[1].rounds.length ?? 0} interleaved rounds per path; each row is the path's round with the least background CPU; the last column pools all its rounds.`,
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
      rows.map(([mode, x]) => [
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
      ]),
    ),
  )
}

function manyUsersSection(r: BenchResults, out: string[]): void {
  if (!r.manyUsers) return
  out.push('', '## 3. Many users, each streaming at a fixed rate', '')
  out.push(
    table(
      [
        'path',
        'N',
        'asked deltas/s',
        'delivered deltas/s',
        'delivered',
        'frames/s received',
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
    "(a) and (b) need one gateway connection per user, and the gateway sends every user's events to each of them (N² frames): reported as gateway-bound where that fan-out, not the relay, sets the limit. (c) serves every N over one upstream link and filters per user; its clients speak like the SDK (lean wire).",
  )
}

function idleSection(r: BenchResults, out: string[]): void {
  const i = r.idle
  if (!i) return
  out.push('', `## 4. Idle authenticated connections (through clawchatProxy)`, '')
  out.push(
    table(
      ['connections', 'relay RSS MB', 'relay heap MB', 'RSS per connection KiB', 'heap per connection KiB'],
      i.checkpoints.map((c) => [c.connections, c.rssMb, c.heapUsedMb, c.rssPerConnectionKiB, c.heapPerConnectionKiB]),
    ),
  )
  out.push('')
  out.push(
    `Baseline RSS ${i.baselineRssMb} MB after ${i.connections} logins (express-session MemoryStore) and a forced GC; marginal cost between the first and last checkpoints ${i.marginalRssPerConnectionKiB ?? '–'} KiB per connection. Proxy reports ${i.proxyConnections} open connections; the gateway holds ${i.upstreamConnections} upstream connection(s). Clients in ${i.clientProcesses ?? 1} process(es). Opening took ${i.openSeconds} s. fd limit ${i.fdLimit}.`,
  )
}

function replyBytesSection(r: BenchResults, out: string[]): void {
  const b = r.replyBytes
  if (!b) return
  const rows = present(b)
  const any = rows[0]?.[1]
  if (!any) return
  out.push(
    '',
    `## 5. Bytes to the browser for one ${any.replyChars}-character reply (${any.chunkChars}-character deltas)`,
    '',
  )
  out.push(
    table(
      [
        'path',
        'frames',
        'chat deltas',
        'chat delta frames',
        'chat delta bytes',
        'agent frames',
        'agent bytes',
        'other bytes',
        'payload bytes',
        'wire bytes',
        'TCP bytes read',
        'wire bytes per reply char',
      ],
      rows.map(([mode, x]) => [
        MODE_LABEL[mode],
        x.frames,
        x.chatDeltas,
        x.chatDeltaFrames,
        x.chatDeltaBytes,
        x.agentFrames,
        x.agentBytes,
        x.otherBytes,
        x.payloadBytes,
        x.wireBytes,
        x.socketBytes,
        x.wireBytesPerReplyChar,
      ]),
    ),
  )
  out.push('')
  out.push(
    `SDK client (c): ${r.summary.sdk_bytes_per_reply_char ?? '–'} wire bytes per reply character; OpenClaw client (c'): ${r.summary.openclaw_bytes_per_reply_char ?? '–'}. OpenClaw's deltas repeat the whole reply so far in \`message\`, and their \`agent\` twins repeat it again in \`data.text\`: those bytes grow with the square of the reply's length. The lean wire sends each delta's new text once (\`[seq,run,"text"]\`, a run head \`clawchat.run\` first, a final with \`textCheck\` instead of the text).`,
  )
}

function profileSection(r: BenchResults, out: string[]): void {
  const p = r.profile
  if (!p) return
  out.push(
    '',
    `## Relay profile (\`node --cpu-prof\`, scenario 1 load, ${p.load.deltasPerSecond} deltas/s while profiling)`,
    '',
  )
  out.push(
    table(
      ['self %', 'total %', 'function', 'area', 'location'],
      p.topSelf.slice(0, 15).map((x) => [x.selfPct, x.totalPct, `\`${x.function}\``, x.area, x.location]),
    ),
  )
  out.push('', `Full summary: \`${p.summaryFile}\`.`)
}

/** The results as a markdown report. */
export function renderMarkdown(r: BenchResults): string {
  const out: string[] = []
  header(r, out)
  throughputSection(r, out)
  latencySection(r, out)
  manyUsersSection(r, out)
  idleSection(r, out)
  replyBytesSection(r, out)
  profileSection(r, out)
  if (r.errors.length) {
    out.push('', '## Errors seen by clients', '')
    for (const e of r.errors.slice(0, 20)) out.push(`- ${e}`)
  }
  out.push('')
  return out.join('\n')
}
