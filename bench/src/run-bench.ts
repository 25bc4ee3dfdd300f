/**
 * Runs the whole benchmark (every scenario, in one run, side by side) and answers the results;
 * `run.ts` (the CLI) and the smoke test both call it.
 */
import { mkdirSync } from 'node:fs'
import type { BenchConfig } from './config.js'
import { describeMachine } from './machine.js'
import { evaluate, type BenchResults } from './report.js'
import type { ScenarioContext } from './scenarios/common.js'
import { runIdleScale } from './scenarios/idle-scale.js'
import { runLatency } from './scenarios/latency.js'
import { runManyUsers } from './scenarios/many-users.js'
import { runProfile } from './scenarios/profile.js'
import { runReplyBytes } from './scenarios/reply-bytes.js'
import { logThroughput, throughputResults, throughputRounds, withSingleUserPaths } from './scenarios/throughput.js'
import { SINGLE_USER_MODES, type Mode } from './drivers/topology.js'

/** Which scenarios to run (all by default). */
export type ScenarioName = 'throughput' | 'latency' | 'many-users' | 'idle' | 'reply-bytes' | 'profile'

/** Every scenario, in run order. */
export const SCENARIOS: readonly ScenarioName[] = [
  'throughput',
  'latency',
  'reply-bytes',
  'many-users',
  'idle',
  'profile',
]

/**
 * Runs the scenarios of `only` (default: all) with `config`; profiles go to `resultsDir`.
 *
 * @example
 * const results = await runBench(FULL, { resultsDir: 'results', log: console.error })
 */
export async function runBench(
  config: BenchConfig,
  options: {
    resultsDir: string
    log?: (line: string) => void
    only?: readonly ScenarioName[]
    /** The single-user paths of scenarios 1 and 5 (default: all; scenario 2 needs direct, pipe, proxy). */
    modes?: readonly Mode[]
  },
): Promise<BenchResults> {
  mkdirSync(options.resultsDir, { recursive: true })
  const log = options.log ?? (() => undefined)
  const machine = describeMachine()
  const ctx: ScenarioContext = {
    config,
    log,
    resultsDir: options.resultsDir,
    serverBuild: `${machine.serverBuild.sha256} (built ${machine.serverBuild.builtAt})`,
  }
  const only = new Set(options.only ?? SCENARIOS)
  const started = Date.now()
  const results: Omit<BenchResults, 'summary' | 'targets' | 'errors'> = {
    config: config.name,
    machine,
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
  }
  if (only.has('throughput') || only.has('latency') || only.has('reply-bytes')) {
    // Scenarios 1, 2 and 5 are single-user: one set of processes per path serves all three.
    const modes = options.modes ?? SINGLE_USER_MODES
    ctx.log(`[1, 2, 5] starting the ${modes.length} paths …`)
    const { auditEntries } = await withSingleUserPaths(modes, undefined, async (paths) => {
      if (only.has('throughput')) {
        ctx.log(`[1 throughput] ${config.throughput.rounds} interleaved rounds per path …`)
        results.throughput = throughputResults(paths, await throughputRounds(ctx, paths, modes))
        logThroughput(ctx, results.throughput)
      }
      if (only.has('latency')) results.latency = await runLatency(ctx, paths)
      if (only.has('reply-bytes')) results.replyBytes = await runReplyBytes(ctx, paths)
    })
    const throughput = results.throughput
    if (throughput)
      for (const mode of modes) {
        const r = throughput[mode]
        if (r) r.auditEntries = auditEntries.get(mode) ?? 0
      }
  }
  if (only.has('many-users')) results.manyUsers = await runManyUsers(ctx)
  if (only.has('idle')) results.idle = await runIdleScale(ctx, machine.fdLimit)
  if (only.has('profile')) results.profile = await runProfile(ctx, 'proxy')
  results.durationSeconds = Math.round((Date.now() - started) / 1000)
  return evaluate(results, config)
}
