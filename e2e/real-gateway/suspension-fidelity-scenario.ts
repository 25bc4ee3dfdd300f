// The "suspension" fidelity scenario (issue 22), run identically on the real gateway and the mock by
// mock-fidelity.test.ts, as ClawChat's link (gateway-client/backend with operator.admin): prepare idle
// (ready), new work refused while prepared, status, resume; then a slow run, prepare with drain
// (draining), new work refused, the run ends (prepared), resume. Records the answers and the
// `gateway.suspension` events, not the run's own events (their delta count varies).
import { randomUUID } from 'node:crypto'
import type { FidelityScenario, FidelityTarget } from './fidelity-scenarios.js'
import { RawWs } from './raw-ws.js'
import type { TranscriptStep } from './transcript.js'

const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin']
const KEY = 'fidelity:suspension'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function connectLink(target: FidelityTarget): Promise<RawWs> {
  const c = await RawWs.open(target.url)
  await c.waitFor((f) => f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const res = await c.request(
    'connect',
    {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
      role: 'operator',
      scopes: LINK_SCOPES,
      caps: ['tool-events'],
      auth: { token: target.token },
    },
    { timeoutMs: 20_000 },
  )
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  return c
}

const phaseEvent = (phase: string) => (f: Record<string, any>) =>
  f.event === 'gateway.suspension' && f.payload?.phase === phase

/**
 * Suspends and resumes the gateway twice (idle, then draining a run), recording what the link sees.
 *
 * @example
 * const transcript = await SUSPENSION_SCENARIO.run({ name: 'mock', url: mock.url, token })
 */
export const SUSPENSION_SCENARIO: FidelityScenario = {
  name: 'suspension',
  async run(target) {
    const c = await connectLink(target)
    const steps: TranscriptStep[] = []
    const record = async (method: string, params: Record<string, unknown>) => {
      const res = await c.request(method, params, { timeoutMs: 30_000 })
      steps.push({ kind: 'frame', frame: res })
      return res
    }
    /** The `gateway.suspension` events from frame `from` on, once `last` has arrived after it. */
    const recordPhases = async (from: number, last: string) => {
      const after = (f: Record<string, any>) => c.frames.indexOf(f) >= from && phaseEvent(last)(f)
      await c.waitFor(after, 60_000, `gateway.suspension ${last}`)
      for (const f of c.frames.slice(from))
        if (f.event === 'gateway.suspension') steps.push({ kind: 'frame', frame: f })
    }
    // The real gateway may still finish the previous scenario's writes: ask until it is idle (not recorded).
    let mark = c.frames.length
    let prepare = await c.request('gateway.suspend.prepare', { requestId: `fidelity-${randomUUID()}` })
    for (let i = 0; i < 20 && prepare.payload?.status === 'busy'; i++) {
      await sleep(500)
      mark = c.frames.length
      prepare = await c.request('gateway.suspend.prepare', { requestId: `fidelity-${randomUUID()}` })
    }
    steps.push({ kind: 'frame', frame: prepare })
    await recordPhases(mark, 'prepared')
    const idleId = String(prepare.payload?.suspensionId)
    await record('chat.send', { sessionKey: KEY, message: 'refused', idempotencyKey: randomUUID() })
    await record('gateway.suspend.status', { suspensionId: idleId })
    mark = c.frames.length
    await record('gateway.suspend.resume', { suspensionId: idleId })
    await recordPhases(mark, 'accepting')

    const runId = randomUUID()
    await c.request('chat.send', { sessionKey: KEY, message: 'drained [[SLOW:8x200]]', idempotencyKey: runId })
    await c.waitFor((f) => f.event === 'chat' && f.payload?.runId === runId, 60_000, 'the run streaming')
    mark = c.frames.length
    const drain = await record('gateway.suspend.prepare', { requestId: `fidelity-${randomUUID()}`, drain: true })
    await record('sessions.list', {})
    await c.waitFor((f) => f.event === 'chat' && f.payload?.runId === runId && f.payload?.state === 'final', 60_000)
    // As a host controller does: poll status until the lease is ready (the polls are not recorded).
    const suspensionId = String(drain.payload?.suspensionId)
    for (let i = 0; i < 40; i++) {
      const status = await c.request('gateway.suspend.status', { suspensionId })
      if (status.payload?.status !== 'draining') break
      await sleep(250)
    }
    await recordPhases(mark, 'prepared')
    mark = c.frames.length
    await record('gateway.suspend.resume', { suspensionId })
    await recordPhases(mark, 'accepting')
    await c.close()
    return { scenario: 'suspension', steps }
  },
}
