// What the REAL gateway does around cooperative host suspension (`gateway.suspend.prepare` / `.status` /
// `.resume`, `gateway.suspension` events) and a requested restart (`gateway.restart.request`), seen by an
// operator connected like ClawChat's link (device-signed `gateway-client`/`backend`, admin scopes). Used by
// suspension-facts.test.ts, which asserts the findings and writes them to
// e2e/artifacts/real-gateway/suspension-probe.json (the mock's fixture was cut from such a file).
import { randomUUID } from 'node:crypto'
import { newTestDevice, rawConnect, type TestDevice } from './device-connect.js'
import type { RealGateway } from './gateway.js'
import type { RawWs } from './raw-ws.js'

const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin']
const LINK_CAPS = ['tool-events', 'exec-approvals', 'plugin-approvals']

type Frame = Record<string, any>

/** A request and its answer frame. */
export interface ProbeExchange {
  method: string
  params: Record<string, unknown>
  response: Frame
  /** `Date.now()` when the answer came. */
  at: number
}

/** What the probe saw, step by step. */
export interface SuspensionProbeResult {
  version: string
  hello: { suspension: unknown; eventsAdvertised: boolean; methodsAdvertised: string[] }
  statusWhenRunning: ProbeExchange
  idle: {
    prepare: ProbeExchange
    events: Frame[]
    whilePrepared: ProbeExchange[]
    status: ProbeExchange
    /** Status and resume naming another lease, and a second prepare, while one is held. */
    statusOther: ProbeExchange
    resumeOther: ProbeExchange
    prepareAgain: ProbeExchange
    newConnectionSuspension: unknown
    resume: ProbeExchange
    eventsAfterResume: Frame[]
    resumeAgain: ProbeExchange
  }
  busy: { prepare: ProbeExchange; events: Frame[] }
  drain: {
    prepare: ProbeExchange
    events: Frame[]
    whileDraining: ProbeExchange[]
    status: ProbeExchange
    runTerminal?: string
    /** Whether `gateway.suspension` `prepared` came within 5 s of the run's end without a status call. */
    preparedWithoutStatus: boolean
    statusAfterRun: ProbeExchange
    eventsAfterRun: Frame[]
    resume: ProbeExchange
    eventsAfterResume: Frame[]
  }
  restart: {
    request: ProbeExchange
    /** Requests sent right after the restart was requested (while it is deferred). */
    during: ProbeExchange[]
    /** The `gateway.suspension` and `shutdown` events the link got from the request to the close. */
    events: Frame[]
    close?: { code: number; reason: string }
    runTerminal?: string
    shutdownSeen: boolean
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function connectLink(gw: RealGateway, device: TestDevice): Promise<{ ws: RawWs; hello: Frame }> {
  const { ws, hello } = await rawConnect({ url: gw.url, token: gw.token, scopes: LINK_SCOPES, caps: LINK_CAPS, device })
  if (hello.ok !== true) throw new Error(`link connect refused: ${JSON.stringify(hello.error)}`)
  return { ws, hello }
}

async function ask(ws: RawWs, method: string, params: Record<string, unknown>): Promise<ProbeExchange> {
  const response = await ws.request(method, params, { timeoutMs: 20_000 })
  return { method, params, response, at: Date.now() }
}

/** The `gateway.suspension` and `shutdown` events received since frame index `from`. */
function suspensionEventsSince(ws: RawWs, from: number): Frame[] {
  return ws.frames.slice(from).filter((f) => f.event === 'gateway.suspension' || f.event === 'shutdown')
}

const suspensionEvent = (phase: string) => (f: Frame) => f.event === 'gateway.suspension' && f.payload?.phase === phase

/** The requests a chat page makes, for a session that has no run. */
function newWork(tag: string, what: string): Array<[string, Record<string, unknown>]> {
  const sessionKey = `clawchat:probe-${tag}:${what}`
  return [
    ['chat.send', { sessionKey, message: `sent while ${what} ${tag}`, idempotencyKey: randomUUID() }],
    ['sessions.list', {}],
    ['chat.history', { sessionKey }],
  ]
}

async function startSlowRun(ws: RawWs, tag: string, what: string, spec: string): Promise<string> {
  const runId = randomUUID()
  const ack = await ws.request('chat.send', {
    sessionKey: `clawchat:probe-${tag}:${what}`,
    message: `${what} [[SLOW:${spec}]] ${tag}`,
    idempotencyKey: runId,
  })
  if (ack.payload?.status !== 'started') throw new Error(`slow run not started: ${JSON.stringify(ack)}`)
  await ws.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === runId && f.payload?.state === 'delta',
    120_000,
    `${what}: the first delta`,
  )
  return runId
}

const terminalOf = (ws: RawWs, runId: string, timeoutMs: number) =>
  ws
    .waitFor(
      (f) =>
        f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state),
      timeoutMs,
      'the run terminal',
    )
    .then((f) => String(f.payload.state))
    .catch(() => undefined)

async function probeIdle(gw: RealGateway, ws: RawWs, device: TestDevice, tag: string) {
  // Right after boot the gateway is still busy with its own startup work: ask until it is idle.
  let mark = ws.frames.length
  let prepare = await ask(ws, 'gateway.suspend.prepare', { requestId: `probe-idle-${tag}` })
  for (let i = 0; i < 30 && prepare.response.payload?.status === 'busy'; i++) {
    await sleep(1000)
    mark = ws.frames.length
    prepare = await ask(ws, 'gateway.suspend.prepare', { requestId: `probe-idle-${tag}-${i}` })
  }
  await ws.waitFor(suspensionEvent('prepared'), 10_000, 'gateway.suspension prepared').catch(() => undefined)
  const events = suspensionEventsSince(ws, mark)
  const whilePrepared: ProbeExchange[] = []
  for (const [m, p] of newWork(tag, 'prepared')) whilePrepared.push(await ask(ws, m, p))
  const suspensionId = String(prepare.response.payload?.suspensionId)
  const status = await ask(ws, 'gateway.suspend.status', { suspensionId })
  const statusOther = await ask(ws, 'gateway.suspend.status', { suspensionId: `not-the-lease-${tag}` })
  const resumeOther = await ask(ws, 'gateway.suspend.resume', { suspensionId: `not-the-lease-${tag}` })
  const prepareAgain = await ask(ws, 'gateway.suspend.prepare', { requestId: `probe-again-${tag}` })
  const other = await connectLink(gw, device)
  const newConnectionSuspension = other.hello.payload?.snapshot?.suspension
  await other.ws.close()
  mark = ws.frames.length
  const resume = await ask(ws, 'gateway.suspend.resume', { suspensionId })
  await ws.waitFor(suspensionEvent('accepting'), 10_000, 'gateway.suspension accepting').catch(() => undefined)
  const eventsAfterResume = suspensionEventsSince(ws, mark)
  const resumeAgain = await ask(ws, 'gateway.suspend.resume', { suspensionId })
  return {
    prepare,
    events,
    whilePrepared,
    status,
    statusOther,
    resumeOther,
    prepareAgain,
    newConnectionSuspension,
    resume,
    eventsAfterResume,
    resumeAgain,
  }
}

async function probeBusy(ws: RawWs, tag: string) {
  const runId = await startSlowRun(ws, tag, 'busy', '10x300')
  const mark = ws.frames.length
  const prepare = await ask(ws, 'gateway.suspend.prepare', { requestId: `probe-busy-${tag}` })
  await ws.waitFor(suspensionEvent('accepting'), 10_000, 'gateway.suspension accepting').catch(() => undefined)
  const events = suspensionEventsSince(ws, mark)
  await terminalOf(ws, runId, 60_000)
  return { prepare, events }
}

async function probeDrain(ws: RawWs, tag: string) {
  const runId = await startSlowRun(ws, tag, 'draining', '16x300')
  let mark = ws.frames.length
  const prepare = await ask(ws, 'gateway.suspend.prepare', { requestId: `probe-drain-${tag}`, drain: true })
  await ws.waitFor(suspensionEvent('draining'), 10_000, 'gateway.suspension draining').catch(() => undefined)
  const events = suspensionEventsSince(ws, mark)
  const suspensionId = String(prepare.response.payload?.suspensionId)
  const whileDraining: ProbeExchange[] = []
  for (const [m, p] of newWork(tag, 'draining')) whileDraining.push(await ask(ws, m, p))
  const status = await ask(ws, 'gateway.suspend.status', { suspensionId })
  mark = ws.frames.length
  const runTerminal = await terminalOf(ws, runId, 60_000)
  // Does the lease become prepared by itself, or only when a status call looks again?
  const afterFinal = ws.frames.length
  await ws
    .waitFor((f) => ws.frames.indexOf(f) >= afterFinal && suspensionEvent('prepared')(f), 5000, 'prepared unpolled')
    .catch(() => undefined)
  const preparedWithoutStatus = suspensionEventsSince(ws, afterFinal).length > 0
  let statusAfterRun = await ask(ws, 'gateway.suspend.status', { suspensionId })
  for (let i = 0; i < 40 && statusAfterRun.response.payload?.status === 'draining'; i++) {
    await sleep(250)
    statusAfterRun = await ask(ws, 'gateway.suspend.status', { suspensionId })
  }
  await ws.waitFor(suspensionEvent('prepared'), 5000, 'gateway.suspension prepared').catch(() => undefined)
  const eventsAfterRun = suspensionEventsSince(ws, mark)
  mark = ws.frames.length
  const resume = await ask(ws, 'gateway.suspend.resume', { suspensionId })
  await ws.waitFor(suspensionEvent('accepting'), 10_000, 'gateway.suspension accepting').catch(() => undefined)
  const eventsAfterResume = suspensionEventsSince(ws, mark)
  return {
    prepare,
    events,
    whileDraining,
    status,
    runTerminal,
    preparedWithoutStatus,
    statusAfterRun,
    eventsAfterRun,
    resume,
    eventsAfterResume,
  }
}

async function probeRestart(ws: RawWs, tag: string) {
  const runId = await startSlowRun(ws, tag, 'restart', '12x300')
  const mark = ws.frames.length
  const request = await ask(ws, 'gateway.restart.request', { note: `probe ${tag}` })
  const during: ProbeExchange[] = []
  for (const [m, p] of newWork(tag, 'restart-deferred')) during.push(await ask(ws, m, p))
  const runTerminal = await terminalOf(ws, runId, 60_000)
  const shutdown = await ws.waitFor((f) => f.event === 'shutdown', 60_000, 'shutdown').catch(() => undefined)
  await ws.waitFor(() => false, 30_000, 'the close').catch(() => undefined)
  const events = suspensionEventsSince(ws, mark)
  return { request, during, events, close: ws.closeState, runTerminal, shutdownSeen: shutdown !== undefined }
}

/**
 * Runs the suspension handshake idle, busy and with drain, then requests a restart with a run active.
 * The gateway is not usable afterwards (it restarted or stopped).
 */
export async function probeSuspension(gw: RealGateway): Promise<SuspensionProbeResult> {
  const tag = randomUUID().slice(0, 8)
  const device = newTestDevice()
  const { ws, hello } = await connectLink(gw, device)
  const features = hello.payload?.features ?? {}
  const result: Partial<SuspensionProbeResult> = {
    version: String(hello.payload?.server?.version),
    hello: {
      suspension: hello.payload?.snapshot?.suspension,
      eventsAdvertised: (features.events ?? []).includes('gateway.suspension'),
      methodsAdvertised: (features.methods ?? []).filter((m: string) => m.startsWith('gateway.')),
    },
  }
  result.statusWhenRunning = await ask(ws, 'gateway.suspend.status', { suspensionId: `none-${tag}` })
  result.idle = await probeIdle(gw, ws, device, tag)
  result.busy = await probeBusy(ws, tag)
  result.drain = await probeDrain(ws, tag)
  result.restart = await probeRestart(ws, tag)
  return result as SuspensionProbeResult
}
