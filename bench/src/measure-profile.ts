/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and summarises it: self and inclusive time per
 * function, mapped through source maps back to each package's TypeScript sources where the built file has one,
 * and per package — text for people, plus the top rows as data.
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** One function's time. */
export interface ProfileRow {
  function: string
  /** `src/file.ts:line` when mapped, else the script and line. */
  location: string
  /** Package or runtime area (`@clawchat/server`, `ws`, `node`, `(gc)`, …). */
  area: string
  selfMs: number
  /** Share of the process's busy (non-idle) time. */
  selfPct: number
  totalMs: number
  totalPct: number
}

/** The summary of one profile. */
export interface ProfileSummary {
  /** Whether only the samples of the measured window were kept (else the whole process life). */
  windowOnly: boolean
  busyMs: number
  idleMs: number
  byArea: { area: string; selfMs: number; selfPct: number }[]
  topSelf: ProfileRow[]
  /** Top inclusive rows of ClawChat's own code (which stage of the relay costs what). */
  topServerInclusive: ProfileRow[]
  text: string
}

const maps = new Map<string, SourceMap | null>()

function sourceMapFor(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url) ?? null
  let map: SourceMap | null = null
  try {
    if (url.startsWith('file://')) {
      const file = fileURLToPath(url)
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')))
    }
  } catch {
    map = null
  }
  maps.set(url, map)
  return map
}

function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)'
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name
  if (url === '') return '(native / V8 builtins)'
  if (url.startsWith('node:')) return 'node core'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url)?.[1]
  if (pkg) return pkg
  const ws = /\/packages\/([^/]+)\//.exec(url)?.[1]
  if (ws) return `@clawchat/${ws}`
  if (url.includes('/bench/')) return 'bench glue'
  return url
}

function locationOf(frame: CallFrame): string {
  const map = frame.url ? sourceMapFor(frame.url) : null
  if (map) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
      originalSource?: string
      originalLine?: number
    }
    if (entry.originalSource) {
      const src = entry.originalSource.replace(/^.*?(packages\/[^/]+\/)?(src\/)/, '$1$2')
      return `${src}:${(entry.originalLine ?? 0) + 1}`
    }
  }
  if (!frame.url) return ''
  const short = frame.url
    .replace(/^file:\/\/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^file:\/\/\/work\/main\//, '')
  return `${short}:${frame.lineNumber + 1}`
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length)
}

/**
 * Summarises a `.cpuprofile` file.
 *
 * @example
 * const summary = summarizeProfile('/tmp/prof/proxy.cpuprofile', 'clawchatProxy, scenario 1 load')
 * writeFileSync('results/profile-proxy.txt', summary.text)
 */
export function summarizeProfile(
  path: string,
  title: string,
  window?: { startUs: number; endUs: number },
  topN = 30,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  // V8 stamps samples with the monotonic clock the driver's window is on: keep the window only.
  const times: number[] = []
  let t = profile.startTime
  for (const dt of profile.timeDeltas) times.push((t += dt))
  const inWindow = (i: number) => !window || ((times[i] ?? 0) >= window.startUs && (times[i] ?? 0) <= window.endUs)
  const windowOnly = window !== undefined && times.some((_, i) => inWindow(i))
  const keep = (i: number) => !windowOnly || inWindow(i)
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const keyOf = new Map<number, string>()
  const info = new Map<string, { function: string; location: string; area: string }>()
  for (const node of profile.nodes) {
    const f = node.callFrame
    const name = f.functionName || '(anonymous)'
    const location = locationOf(f)
    const key = `${name}@${location}`
    keyOf.set(node.id, key)
    if (!info.has(key)) info.set(key, { function: name, location, area: areaOf(f.url, name) })
  }
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let idleUs = 0
  let busyUs = 0
  for (let i = 0; i < profile.samples.length; i += 1) {
    if (!keep(i)) continue
    const id = profile.samples[i] ?? 0
    const dt = profile.timeDeltas[i] ?? 0
    const key = keyOf.get(id) ?? '?'
    if (key.startsWith('(idle)')) {
      idleUs += dt
      continue
    }
    busyUs += dt
    self.set(key, (self.get(key) ?? 0) + dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id, depth = 0; at !== undefined && depth < 500; at = parent.get(at), depth += 1) {
      const k = keyOf.get(at)
      if (k && !seen.has(k)) {
        seen.add(k)
        total.set(k, (total.get(k) ?? 0) + dt)
      }
    }
  }
  const pct = (us: number) => Math.round((us / Math.max(1, busyUs)) * 1000) / 10
  const ms = (us: number) => Math.round(us / 100) / 10
  const rows: ProfileRow[] = [...info.entries()].map(([key, i]) => ({
    ...i,
    selfMs: ms(self.get(key) ?? 0),
    selfPct: pct(self.get(key) ?? 0),
    totalMs: ms(total.get(key) ?? 0),
    totalPct: pct(total.get(key) ?? 0),
  }))
  const topSelf = rows
    .filter((r) => r.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topN)
  const topServerInclusive = rows
    .filter((r) => r.area === '@clawchat/server' && r.totalMs > 0)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 25)
  const areas = new Map<string, number>()
  for (const [key, us] of self) {
    const area = info.get(key)?.area ?? '?'
    areas.set(area, (areas.get(area) ?? 0) + us)
  }
  const byArea = [...areas.entries()]
    .map(([area, us]) => ({ area, selfMs: ms(us), selfPct: pct(us) }))
    .sort((a, b) => b.selfMs - a.selfMs)

  const lines: string[] = []
  lines.push(`CPU profile: ${title}`)
  lines.push(
    windowOnly
      ? 'samples of the measured window only (start-up and shutdown left out)'
      : 'samples of the whole process life (start-up included)',
  )
  lines.push(`busy ${ms(busyUs)} ms, idle ${ms(idleUs)} ms (percentages below are of busy time)`)
  lines.push('')
  lines.push('By area (self time):')
  for (const a of byArea.slice(0, 20))
    lines.push(`  ${pad(`${a.selfPct.toFixed(1)}%`, 7)} ${pad(`${a.selfMs} ms`, 11)} ${a.area}`)
  lines.push('')
  lines.push(`Top ${topN} functions by self time:`)
  lines.push(`  ${pad('self%', 7)}${pad('total%', 8)}${pad('function', 34)}${pad('area', 26)}location`)
  for (const r of topSelf)
    lines.push(
      `  ${pad(r.selfPct.toFixed(1), 7)}${pad(r.totalPct.toFixed(1), 8)}${pad(r.function, 34)}${pad(r.area, 26)}${r.location}`,
    )
  lines.push('')
  lines.push('@clawchat/server functions by inclusive time (what each stage of the relay costs, callees included):')
  lines.push(`  ${pad('total%', 8)}${pad('self%', 7)}${pad('function', 34)}location`)
  for (const r of topServerInclusive)
    lines.push(`  ${pad(r.totalPct.toFixed(1), 8)}${pad(r.selfPct.toFixed(1), 7)}${pad(r.function, 34)}${r.location}`)
  lines.push('')
  return {
    windowOnly,
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    byArea,
    topSelf,
    topServerInclusive,
    text: lines.join('\n'),
  }
}
