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
        compareTranscripts(real[name]!, mocked.get(name)!),
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
