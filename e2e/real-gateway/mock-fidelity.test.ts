// Mock fidelity: the same scripted wire scenarios (fidelity-scenarios.ts) run against the real
// OpenClaw gateway and against @clawchat/mock-gateway with raw `ws` clients, and their transcripts
// must have the same shape: step order, field names, JSON types, codes, messages, states and close
// codes. The only accepted differences are listed in allowed-mock-differences.ts. One real gateway
// for the file. Transcripts are written to e2e/artifacts/real-gateway/ for inspection.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { ALLOWED_MOCK_DIFFERENCES } from './allowed-mock-differences.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import {
  FIDELITY_KEYS,
  FIDELITY_SCENARIOS,
  NO_FRAME_SCENARIO,
  recordShutdown,
  runFidelityScenarios,
} from './fidelity-scenarios.js'
import { waitForGatewaySettled } from './gateway-readiness.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { fakeModelAgent } from './mock-fake-agent.js'
import {
  applyAllowances,
  compareTranscripts,
  formatDifferences,
  type TranscriptDifference,
} from './transcript-compare.js'
import { labelOf, type Transcript, type TranscriptStep } from './transcript.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const SCENARIO_NAMES = [...FIDELITY_SCENARIOS.map((s) => s.name), NO_FRAME_SCENARIO.name]

let model: FakeModel
let gateway: RealGateway
let mock: MockGateway
let real: Map<string, Transcript>
let mocked: Map<string, Transcript>
const differences = new Map<string, TranscriptDifference[]>()

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  console.log(`[mock fidelity] real gateway started in ${gateway.startMs} ms`)
  // The mock models a settled gateway (computed health, no boot-time broadcasts): compare with that.
  await waitForGatewaySettled({ url: gateway.url, token: gateway.token, timeoutMs: 60_000 })
  mock = await startMockGateway({ token: gateway.token, agent: fakeModelAgent, host: '127.0.0.1', port: 0 })
  const t0 = Date.now()
  ;[real, mocked] = await Promise.all([
    runFidelityScenarios({ name: 'real', url: gateway.url, token: gateway.token }),
    runFidelityScenarios({ name: 'mock', url: mock.url, token: gateway.token }),
  ])
  console.log(`[mock fidelity] scenarios on both gateways took ${Date.now() - t0} ms`)
  mkdirSync(ARTIFACTS, { recursive: true })
  writeFileSync(`${ARTIFACTS}fidelity-real.json`, JSON.stringify(Object.fromEntries(real), null, 1))
  writeFileSync(`${ARTIFACTS}fidelity-mock.json`, JSON.stringify(Object.fromEntries(mocked), null, 1))
  for (const name of SCENARIO_NAMES) differences.set(name, compareTranscripts(real.get(name)!, mocked.get(name)!))
}, 240_000)

afterAll(async () => {
  await mock?.close()
  await gateway?.stop()
  await model?.stop()
})

const frames = (t: Transcript) => t.steps.flatMap((s: TranscriptStep) => (s.kind === 'frame' ? [s.frame] : []))
const closeOf = (t: Transcript) =>
  t.steps.find((s): s is Extract<TranscriptStep, { kind: 'close' }> => s.kind === 'close')
const labels = (name: string) => real.get(name)!.steps.map(labelOf)

// The scripts must really exercise what GATEWAY.md records, or the comparison proves nothing.
describe('the real gateway, scripted (what the comparison stands on)', () => {
  it('answers a good connect with hello-ok', () => {
    expect(labels('handshake-ok').slice(0, 2)).toEqual(['event connect.challenge', 'res ok'])
    // A settled gateway: no boot-time broadcasts after hello-ok (at most a health event).
    expect(
      labels('handshake-ok')
        .slice(2)
        .filter((l) => l !== 'event health'),
    ).toEqual([])
    expect(frames(real.get('handshake-ok')!)[1]!.payload).toMatchObject({
      type: 'hello-ok',
      protocol: 4,
      auth: { role: 'operator', scopes: ['operator.read', 'operator.write'] },
    })
  })

  it('refuses each failure row of "Errors and closes" as recorded', () => {
    const error = (name: string) => frames(real.get(name)!).find((f) => f.type === 'res')?.error
    expect(error('wrong-token')).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'unauthorized: gateway token mismatch (provide gateway auth token)',
      details: { code: 'AUTH_TOKEN_MISMATCH' },
    })
    expect(closeOf(real.get('wrong-token')!)?.code).toBe(1008)
    expect(error('first-request-not-connect')).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'invalid handshake: first request must be connect',
    })
    expect(closeOf(real.get('first-request-not-connect')!)?.code).toBe(1008)
    expect(labels('invalid-json')).toEqual(['event connect.challenge', 'close 1000'])
    expect(closeOf(real.get('invalid-json')!)?.reason).toBe('')
    expect(error('protocol-mismatch')).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'protocol mismatch',
      details: { code: 'PROTOCOL_MISMATCH', expectedProtocol: 4 },
    })
    expect(closeOf(real.get('protocol-mismatch')!)?.code).toBe(1002)
    expect(error('missing-client-version')).toMatchObject({
      code: 'INVALID_REQUEST',
      message: "invalid connect params: at /client: must have required property 'version'",
    })
    expect(closeOf(real.get('missing-client-version')!)?.code).toBe(1008)
    expect(labels('no-frame')).toEqual(['event connect.challenge', 'close 1000'])
  })

  it('answers missing scopes with FORBIDDEN / MISSING_SCOPE and keeps the socket', () => {
    const [send, reset, history] = frames(real.get('missing-scope')!)
    expect(send!.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.write' },
    })
    expect(reset!.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.admin' },
    })
    expect(history!.ok).toBe(true)
  })

  it('streams a chat run to final, stores it, and lists its session', () => {
    const l = labels('chat-sequence')
    expect(l[0]).toBe('res ok')
    expect(l).toContain('event chat:delta')
    expect(l.at(-2)).toBe('event chat:final')
    const history = frames(real.get('chat-sequence')!).at(-1)!
    expect(history.payload.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant'])
    const list = frames(real.get('sessions-list-row')!)[0]!
    expect(list.payload.sessions).toHaveLength(1)
    expect(list.payload.sessions[0].key).toBe(`agent:main:${FIDELITY_KEYS.chat}`)
  })

  it('aborts a running stream (state aborted, stopReason rpc) and then has nothing to abort', () => {
    const f = frames(real.get('abort')!)
    expect(f.find((x) => x.event === 'chat')?.payload).toMatchObject({ state: 'aborted', stopReason: 'rpc' })
    expect(f.filter((x) => x.type === 'res').map((x) => x.payload)).toEqual([
      expect.objectContaining({ status: 'started' }),
      expect.objectContaining({ ok: true, aborted: true }),
      { ok: true, aborted: false, runIds: [] },
    ])
  })

  it('dedupes idempotency keys globally: in_flight, conflict, cross-session in_flight, ok, cross-session ok', () => {
    const f = frames(real.get('idempotency')!)
    expect(f.slice(0, 7).map((x) => x.payload?.status ?? x.error?.details?.reason)).toEqual([
      'started',
      'in_flight',
      'chat-request-conflict',
      'in_flight',
      'ok',
      'ok',
      'chat-request-conflict',
    ])
    expect(f[7]!.payload.messages).toEqual([]) // session B never got a run
    expect(f[8]!.runEventSessionKeys).toEqual([`agent:main:${FIDELITY_KEYS.idemA}`])
  })
})

describe('the mock matches the real gateway', () => {
  it.each(SCENARIO_NAMES)('%s', (name) => {
    const { remaining } = applyAllowances(differences.get(name)!, ALLOWED_MOCK_DIFFERENCES)
    if (remaining.length > 0) {
      throw new Error(
        `the mock differs from the real gateway in "${name}" (real vs mock; transcripts in e2e/artifacts/real-gateway/):\n${formatDifferences(remaining)}`,
      )
    }
  })

  // Last: it stops both gateways (afterAll's stops are then no-ops).
  it('shutdown', async () => {
    const [realStop, mockStop] = await Promise.all([
      recordShutdown({ name: 'real', url: gateway.url, token: gateway.token }, () => gateway.stop()),
      recordShutdown({ name: 'mock', url: mock.url, token: gateway.token }, () => mock.close()),
    ])
    writeFileSync(`${ARTIFACTS}fidelity-shutdown.json`, JSON.stringify({ real: realStop, mock: mockStop }, null, 1))
    // What GATEWAY.md records: a `shutdown` event, then close 1012.
    expect(realStop.steps.map(labelOf)).toEqual(['event shutdown', 'close 1012'])
    differences.set('shutdown', compareTranscripts(realStop, mockStop))
    const { remaining } = applyAllowances(differences.get('shutdown')!, ALLOWED_MOCK_DIFFERENCES)
    if (remaining.length > 0)
      throw new Error(`the mock differs from the real gateway in "shutdown":\n${formatDifferences(remaining)}`)
  })

  it('needs every allowed difference it lists (no stale entries)', () => {
    expect(differences.has('shutdown')).toBe(true)
    const all = [...differences.values()].flat()
    const { unused } = applyAllowances(all, ALLOWED_MOCK_DIFFERENCES)
    expect(unused.map((a) => `${a.scenario} › ${a.step} › ${a.path}`)).toEqual([])
  })
})
