// Not a test: the mock's tool scenarios compared with the real gateway's RECORDED ones
// (fixtures/tools/tool-runs-real.json), without starting the real gateway — a quick loop while the
// mock's tools are being built. The real comparison is mock-fidelity.test.ts. Run from e2e/:
//   npx vitest run --config real-gateway/probes/vitest.config.ts real-gateway/probes/mock-tools.probe.ts
// PROBE_OUT=<file> writes the differences there.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { startMockGateway, type MockGatewayOptions } from '@clawchat/mock-gateway'
import { ALLOWED_MOCK_DIFFERENCES } from '../allowed-mock-differences.js'
import { fakeModelAgent } from '../mock-fake-agent.js'
import { runToolFidelityScenarios, TOOL_FIDELITY_SCENARIOS } from '../tool-fidelity-scenarios.js'
import { applyAllowances, compareTranscripts, formatDifferences } from '../transcript-compare.js'
import type { Transcript } from '../transcript.js'

const RECORDED = fileURLToPath(new URL('../fixtures/tools/tool-runs-real.json', import.meta.url))

/**
 * The recording predates the scenario's change that takes the `exec.approval.resolve` answer out of the
 * event stream (recorded as `res resolve-<runId>` among the run's events): move it to where the scenario
 * now records it, right after the `approval.get` answer.
 */
function asScenarioNowRecords(t: Transcript): Transcript {
  const steps = [...t.steps]
  const at = steps.findIndex((s) => s.kind === 'frame' && String(s.frame.id ?? '').startsWith('resolve-'))
  if (at < 0) return t
  const [resolve] = steps.splice(at, 1)
  const get = steps.findIndex((s) => s.kind === 'frame' && s.frame.type === 'res' && s.frame.payload?.approval)
  steps.splice(get + 1, 0, resolve!)
  return { ...t, steps }
}

it('prints how the mock differs from the recorded real tool runs', async () => {
  const real = JSON.parse(readFileSync(RECORDED, 'utf8')) as Record<string, Transcript>
  const token = 'mock-tools-probe-token'
  const options = { token, agent: fakeModelAgent, host: '127.0.0.1', port: 0, exec: { mode: 'ask' } }
  const mock = await startMockGateway(options as MockGatewayOptions)
  try {
    const mocked = await runToolFidelityScenarios({ name: 'mock', url: mock.url, token })
    const lines: string[] = []
    for (const { name } of TOOL_FIDELITY_SCENARIOS) {
      const { remaining } = applyAllowances(
        compareTranscripts(asScenarioNowRecords(real[name]!), mocked.get(name)!),
        ALLOWED_MOCK_DIFFERENCES,
      )
      lines.push(`== ${name}: ${remaining.length} difference(s)`, formatDifferences(remaining))
    }
    const text = lines.join('\n')
    console.log(text)
    if (process.env.PROBE_OUT) writeFileSync(process.env.PROBE_OUT, text)
    expect(mocked.size).toBe(TOOL_FIDELITY_SCENARIOS.length)
  } finally {
    await mock.close()
  }
})
