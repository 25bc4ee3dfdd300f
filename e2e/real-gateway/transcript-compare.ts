// Compares the transcripts of one scenario on the real gateway and on the mock: the order of steps
// (by label), then for each pair of matching steps their shapes (field names, JSON types) and their
// pinned values (codes, messages, states, close codes). Differences come out as readable lines.
import { pathMatches, shapeDifferences } from './shape-diff.js'
import { labelOf, pinnedValues, type Transcript, type TranscriptStep } from './transcript.js'

/** One difference between the real and the mock transcript of a scenario. */
export interface TranscriptDifference {
  scenario: string
  /** `sequence` (a step on one side only), `shape` (field or type), `value` (a pinned value). */
  kind: 'sequence' | 'shape' | 'value'
  /** The step's label, with its position on the real side (`#2 res error INVALID_REQUEST`). */
  step: string
  /** `$.payload.x` for shapes, the pinned path for values, `(step)` for sequence differences. */
  path: string
  real: string
  mock: string
}

/** An allowed difference: what it matches and why the mock may differ there. */
export interface AllowedDifference {
  /** Scenario name, or `*`. */
  scenario: string
  /** The step label (without position), or `*`. */
  step: string
  /** Path pattern (see `pathMatches`), e.g. `$.payload.features.**`. */
  path: string
  /** Why the mock differs on purpose (the README's simplification it follows). */
  why: string
  /** The difference depends on the machine's load or timing, so it may not show in every run (exempt from the stale check). */
  sometimes?: boolean
}

/**
 * Every difference between two transcripts of the same scenario.
 *
 * @example
 * const diffs = compareTranscripts(real.get('abort')!, mock.get('abort')!)
 * console.log(formatDifferences(diffs))
 */
export function compareTranscripts(real: Transcript, mock: Transcript): TranscriptDifference[] {
  const scenario = real.scenario
  const out: TranscriptDifference[] = []
  const rl = real.steps.map(labelOf)
  const ml = mock.steps.map(labelOf)
  for (const op of alignLabels(rl, ml)) {
    if (op.real === undefined) {
      out.push({
        scenario,
        kind: 'sequence',
        step: `mock #${op.mock! + 1} ${ml[op.mock!]}`,
        path: '(step)',
        real: '(absent)',
        mock: ml[op.mock!]!,
      })
      continue
    }
    if (op.mock === undefined) {
      out.push({
        scenario,
        kind: 'sequence',
        step: `#${op.real + 1} ${rl[op.real]}`,
        path: '(step)',
        real: rl[op.real]!,
        mock: '(absent)',
      })
      continue
    }
    const step = `#${op.real + 1} ${rl[op.real]}`
    const rs = real.steps[op.real]!
    const ms = mock.steps[op.mock]!
    for (const d of shapeDifferences(valueOf(rs), valueOf(ms))) out.push({ scenario, kind: 'shape', step, ...d })
    const rv = pinnedValues(rs)
    const mv = pinnedValues(ms)
    for (const path of [...new Set([...Object.keys(rv), ...Object.keys(mv)])]) {
      if (rv[path] !== mv[path])
        out.push({
          scenario,
          kind: 'value',
          step,
          path: `$.${path}`,
          real: rv[path] ?? '(absent)',
          mock: mv[path] ?? '(absent)',
        })
    }
  }
  return out
}

function valueOf(step: TranscriptStep): unknown {
  return step.kind === 'frame'
    ? step.frame
    : step.kind === 'close'
      ? { code: step.code, reason: step.reason }
      : { nothing: step.what }
}

/** Longest common subsequence of two label lists, as aligned pairs and one-sided steps in order. */
function alignLabels(a: string[], b: string[]): Array<{ real?: number; mock?: number }> {
  const n = a.length
  const m = b.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const out: Array<{ real?: number; mock?: number }> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push({ real: i++, mock: j++ })
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ real: i++ })
    else out.push({ mock: j++ })
  }
  while (i < n) out.push({ real: i++ })
  while (j < m) out.push({ mock: j++ })
  return out
}

/**
 * Splits differences into those an allowance covers and the rest; also says which allowances
 * matched nothing (so a stale one can be removed; `sometimes` ones are never reported).
 *
 * @example
 * const { remaining, unused } = applyAllowances(diffs, ALLOWED_MOCK_DIFFERENCES)
 */
export function applyAllowances(
  diffs: TranscriptDifference[],
  allowed: readonly AllowedDifference[],
): { remaining: TranscriptDifference[]; unused: AllowedDifference[] } {
  const used = new Set<AllowedDifference>()
  const remaining = diffs.filter((d) => {
    const label = d.step.replace(/^(mock )?#\d+ /, '')
    const hit = allowed.find(
      (a) =>
        (a.scenario === '*' || a.scenario === d.scenario) &&
        (a.step === '*' || a.step === label) &&
        pathMatches(a.path, d.path),
    )
    if (hit) used.add(hit)
    return !hit
  })
  return { remaining, unused: allowed.filter((a) => !used.has(a) && a.sometimes !== true) }
}

/**
 * Readable lines, grouped by scenario and step:
 *
 * ```
 * abort › #2 event chat:aborted
 *     $.payload.stopReason   real "rpc"   mock "user"
 * ```
 *
 * @example
 * expect(remaining, formatDifferences(remaining)).toEqual([])
 */
export function formatDifferences(diffs: TranscriptDifference[]): string {
  if (diffs.length === 0) return '(no differences)'
  const lines: string[] = []
  let group = ''
  const width = Math.min(60, Math.max(...diffs.map((d) => d.path.length)))
  for (const d of diffs) {
    const g = `${d.scenario} › ${d.step}`
    if (g !== group) {
      lines.push(g)
      group = g
    }
    lines.push(`    ${d.path.padEnd(width)}   real ${truncate(d.real)}   mock ${truncate(d.mock)}`)
  }
  return lines.join('\n')
}

function truncate(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}…` : s
}
