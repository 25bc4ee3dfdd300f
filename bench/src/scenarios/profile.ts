/**
 * The relay's CPU profile: scenario 1's load through `clawchatProxy` (and, for comparison, the
 * pipe) with `node --cpu-prof` on the relay child; the summary (top functions by self time,
 * ClawChat's stages by inclusive time) is kept as text in the results folder.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Mode } from '../drivers/topology.js'
import { summarizeProfile, type ProfileRow } from '../measure-profile.js'
import type { ScenarioContext } from './common.js'
import { measureThroughput, type ThroughputResult } from './throughput.js'

/** What the profiling run leaves behind. */
export interface ProfileResult {
  mode: Mode
  /** The text summary, relative to the results folder. */
  summaryFile: string
  /** The load while profiling (the profiler itself slows the relay down). */
  load: ThroughputResult
  busyMs: number
  byArea: { area: string; selfMs: number; selfPct: number }[]
  topSelf: ProfileRow[]
  topServerInclusive: ProfileRow[]
}

/** Profiles the relay of `mode` under scenario 1's load; writes `profile-<mode>.txt`. */
export async function runProfile(ctx: ScenarioContext, mode: Mode = 'proxy'): Promise<ProfileResult> {
  const cfg = ctx.config.profile
  const dir = mkdtempSync(join(tmpdir(), 'clawchat-bench-prof-'))
  try {
    ctx.log(`[profile] ${mode} under scenario 1 load, --cpu-prof …`)
    const profCtx: ScenarioContext = {
      ...ctx,
      config: {
        ...ctx.config,
        throughput: { ...ctx.config.throughput, warmupMs: cfg.warmupMs, measureMs: cfg.measureMs, rounds: 1 },
      },
    }
    const load = (
      await measureThroughput(
        profCtx,
        [mode],
        ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${cfg.intervalUs}`],
      )
    )[mode]
    if (!load) throw new Error(`no throughput measured on ${mode} while profiling`)
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (!file) throw new Error(`no .cpuprofile written by the ${mode} child`)
    const title = `${mode === 'proxy' ? 'clawchatProxy (c)' : 'http-proxy pipe (b)'} child, scenario 1 load (${load.deltasPerSecond} deltas/s, ${load.framesPerSecond} events/s while profiling; sampling every ${cfg.intervalUs} µs)`
    const summary = summarizeProfile(join(dir, file), title, load.window)
    summary.text = [
      summary.text.split('\n')[0],
      `@clawchat/server build ${ctx.serverBuild ?? 'unknown'}; locations map through its source map to the sources that build was made from.`,
      ...summary.text.split('\n').slice(1),
    ].join('\n')
    const summaryFile = `profile-${mode}.txt`
    writeFileSync(join(ctx.resultsDir, summaryFile), summary.text)
    ctx.log(`[profile] ${mode}: written ${summaryFile}`)
    return {
      mode,
      summaryFile,
      load,
      busyMs: summary.busyMs,
      byArea: summary.byArea,
      topSelf: summary.topSelf,
      topServerInclusive: summary.topServerInclusive,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
