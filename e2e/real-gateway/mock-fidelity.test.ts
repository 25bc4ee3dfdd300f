// Mock fidelity: the same scripted wire scenarios (fidelity-scenarios.ts) run against the real
// OpenClaw gateway and against @clawchat/mock-gateway with raw `ws` clients, and their transcripts
// must have the same shape: step order, field names, JSON types, codes, messages, states and close
// codes. The only accepted differences are listed in allowed-mock-differences.ts. One real gateway
// for the file. Transcripts are written to e2e/artifacts/real-gateway/ for inspection.
// The gateway runs with exec policy `ask` (TOOLS-AND-APPROVALS.md t2) for the tool scenarios
// (tool-fidelity-scenarios.ts: a read, an exec approved, an exec denied, a question answered),
// compared with a second mock started with `exec: { mode: 'ask' }`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway, type MockGatewayOptions } from '@clawchat/mock-gateway'
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
import { EXEC_ASK_CONFIG } from './gateway-config.js'
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
import { runToolFidelityScenarios, TOOL_FIDELITY_SCENARIOS } from './tool-fidelity-scenarios.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const SCENARIO_NAMES = [...FIDELITY_SCENARIOS.map((s) => s.name), NO_FRAME_SCENARIO.name]

let model: FakeModel
let gateway: RealGateway
let mock: MockGateway
let real: Map<string, Transcript>
let mocked: Map<string, Transcript>
let toolMock: MockGateway | undefined
let realTools: Map<string, Transcript>
/** The mock's tool transcripts, or why it could not run them. */
let mockedTools: Map<string, Transcript> | Error
const TOOL_SCENARIO_NAMES = TOOL_FIDELITY_SCENARIOS.map((s) => s.name)
const differences = new Map<string, TranscriptDifference[]>()

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({
    modelServerUrl: model.baseUrl,
    extraConfig: EXEC_ASK_CONFIG,
    readyTimeoutMs: 180_000,
  })
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
  await runToolScenarios()
}, 420_000)

/** The tool scenarios: on the real gateway (a file for `read` in its HOME) and on an ask-mode mock. */
async function runToolScenarios(): Promise<void> {
  const readPath = join(gateway.tempDir, 'home', 'probe.txt')
  writeFileSync(readPath, 'hello from probe file\n')
  const t0 = Date.now()
  const mockRun = (async () => {
    // `exec` is the ask-mode option of the mock (issue 18); an older mock refuses it.
    const options = { token: gateway.token, agent: fakeModelAgent, host: '127.0.0.1', port: 0, exec: { mode: 'ask' } }
    toolMock = await startMockGateway(options as MockGatewayOptions)
    return runToolFidelityScenarios({ name: 'mock', url: toolMock.url, token: gateway.token })
  })().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
  ;[realTools, mockedTools] = await Promise.all([
    runToolFidelityScenarios({ name: 'real', url: gateway.url, token: gateway.token, readPath }),
    mockRun,
  ])
  console.log(`[mock fidelity] tool scenarios on both gateways took ${Date.now() - t0} ms`)
  writeFileSync(`${ARTIFACTS}fidelity-tools-real.json`, JSON.stringify(Object.fromEntries(realTools), null, 1))
  if (mockedTools instanceof Map) {
    writeFileSync(`${ARTIFACTS}fidelity-tools-mock.json`, JSON.stringify(Object.fromEntries(mockedTools), null, 1))
    for (const name of TOOL_SCENARIO_NAMES)
      differences.set(name, compareTranscripts(realTools.get(name)!, mockedTools.get(name)!))
  }
}

afterAll(async () => {
  await toolMock?.close()
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

describe('the real gateway, tool scenarios (exec policy "ask")', () => {
  const tl = (name: string) => realTools.get(name)!.steps.map(labelOf)
  const tf = (name: string) => frames(realTools.get(name)!)

  it('runs a read: item and tool events around the result, then the text; history has the toolResult row', () => {
    const l = tl('tool-read')
    for (const label of [
      'event agent:item:start',
      'event agent:tool:start',
      'event agent:tool:result',
      'event agent:item:end',
    ])
      expect(l).toContain(label)
    expect(l.indexOf('event agent:tool:result')).toBeLessThan(l.indexOf('event chat:final'))
    const result = tf('tool-read').find((f) => f.payload?.stream === 'tool' && f.payload.data?.phase === 'result')
    expect(result!.payload.data.result.content[0].text).toBe('hello from probe file\n')
    const history = tf('tool-read')
      .at(-1)!
      .payload.messages.map((m: { role: string }) => m.role)
    expect(history).toEqual(['user', 'assistant', 'toolResult', 'assistant'])
  })

  it('waits for an approval, runs the command once allowed; a second, different decision is refused', () => {
    const l = tl('exec-approved')
    expect(l.indexOf('event exec.approval.requested')).toBeLessThan(l.indexOf('event exec.approval.resolved'))
    expect(l).toContain('event agent:lifecycle:waiting-approval')
    expect(l).toContain('event agent:lifecycle:approval-resolved')
    const f = tf('exec-approved')
    expect(f.find((x) => x.event === 'exec.approval.resolved')!.payload).toMatchObject({ decision: 'allow-once' })
    expect(f.find((x) => x.error?.details?.reason === 'APPROVAL_ALREADY_RESOLVED')).toBeDefined()
    expect(f.find((x) => x.error?.details?.reason === 'APPROVAL_NOT_FOUND')).toBeDefined()
    // get while pending: a presentation (commandText, allowedDecisions), not the request with its session.
    const get = f.find((x) => x.type === 'res' && x.payload?.commandText !== undefined)
    expect(get!.payload).toMatchObject({ commandText: 'echo approve-me', allowedDecisions: ['allow-once', 'deny'] })
    expect(get!.payload.request).toBeUndefined()
    expect(f.find((x) => x.type === 'res' && x.payload?.approval?.presentation)?.payload.approval).toMatchObject({
      status: 'pending',
      presentation: { kind: 'exec', commandText: 'echo approve-me' },
    })
  })

  it('tells the model a denied command was denied; the approval stream says denied', () => {
    const f = tf('exec-denied')
    expect(f.find((x) => x.event === 'exec.approval.resolved')!.payload).toMatchObject({ decision: 'deny' })
    expect(f.find((x) => x.payload?.stream === 'approval')?.payload.data).toMatchObject({ status: 'denied' })
    const rows = f.at(-1)!.payload.messages as Array<{ role: string; isError?: boolean; content: any }>
    expect(rows.find((m) => m.role === 'toolResult')).toMatchObject({ isError: true })
  })

  it('asks a question, takes the answer, resolves it; an unknown question id is QUESTION_NOT_FOUND', () => {
    const l = tl('question-answered')
    expect(l.indexOf('event question.requested')).toBeLessThan(l.indexOf('event question.resolved'))
    const f = tf('question-answered')
    expect(f.find((x) => x.event === 'question.resolved')!.payload).toMatchObject({
      status: 'answered',
      answers: { answers: { color: ['blue'] } },
    })
    expect(f.find((x) => x.error?.details?.reason === 'QUESTION_NOT_FOUND')).toBeDefined()
  })
})

describe('the mock matches the real gateway', () => {
  it.each(TOOL_SCENARIO_NAMES)('%s (tools)', (name) => {
    if (mockedTools instanceof Error)
      throw new Error(`the mock could not run the tool scenarios: ${mockedTools.message}`)
    const { remaining } = applyAllowances(differences.get(name)!, ALLOWED_MOCK_DIFFERENCES)
    if (remaining.length > 0) {
      throw new Error(
        `the mock differs from the real gateway in "${name}" (real vs mock; transcripts in e2e/artifacts/real-gateway/):\n${formatDifferences(remaining)}`,
      )
    }
  })

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
