// What the REAL gateway does with requests that arrive while it shuts down (SIGTERM), what history
// holds afterwards, and whether a key it answered before the restart runs again after it. Used by
// shutdown-probe.test.ts (which asserts the findings) and writes the transcript it saw to
// e2e/artifacts/real-gateway/shutdown-probe.json (the mock's fixtures were cut from such a file).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { RawWs } from './raw-ws.js'
import type { RealGateway } from './gateway.js'

/** `connect` params of a trusted backend with read + write (the proxy's link asks for the same). */
export function backendConnect(token: string): Record<string, unknown> {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write'],
    caps: ['tool-events'],
    auth: { token },
  }
}

/** A raw connection that completed `connect`. */
export async function connectRaw(url: string, token: string): Promise<RawWs> {
  const c = await RawWs.open(url)
  await c.waitFor((f) => f.type === 'event' && f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const res = await c.request('connect', backendConnect(token), { timeoutMs: 20_000 })
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  return c
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One request sent during the shutdown, and what came back (or that nothing did). */
export interface DrainRequest {
  method: string
  params: Record<string, unknown>
  sentAtMs: number
  /** The `res` frame, or undefined when the socket closed first. */
  response?: Record<string, any>
  /** For an accepted `chat.send`: the terminal `chat` state that followed before the close. */
  terminal?: string
}

/** What the probe saw. */
export interface ShutdownProbeResult {
  version: string
  /** The run that was streaming when SIGTERM arrived. */
  inFlight: { runId: string; sessionKey: string; terminal?: string; finalText?: string }
  /** Requests sent after SIGTERM, in order. */
  duringDrain: DrainRequest[]
  /** A new connection opened during the drain: how far it got. */
  newConnection: {
    opened: boolean
    challenge: boolean
    connect?: Record<string, any>
    close?: { code: number; reason: string }
    error?: string
  }
  /** The `shutdown` event payload and the close. */
  shutdownEvent?: Record<string, any>
  close?: { code: number; reason: string }
  /** ms from SIGTERM to the close. */
  drainMs: number
  /** After the restart. */
  after: {
    /** `chat.history` of the in-flight run's session: roles, texts, run ids. */
    inFlightHistory: Array<Record<string, any>>
    /** `chat.history` of the session the refused sends named. */
    refusedHistory: Array<Record<string, any>>
    /** The refused `chat.send` sent again with the same key and text. */
    refusedResend: Record<string, any>
    refusedResendTerminal?: string
    /** The run that FINISHED before the restart, sent again with the same key and text. */
    finishedResend: Record<string, any>
    /** History of that session after the re-send settled. */
    finishedResendHistory: Array<Record<string, any>>
  }
  /** Every frame the draining connection received after SIGTERM (for fixtures). */
  drainFrames: Array<Record<string, any>>
}

function historyRows(res: Record<string, any>): Array<Record<string, any>> {
  const messages = (res.payload?.messages ?? []) as Array<Record<string, any>>
  return messages.map((m) => ({
    role: m.role,
    text: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p: any) => p?.text ?? '').join(''),
    idempotencyKey: m.idempotencyKey,
    runId: m.__openclaw?.runId,
    stopReason: m.stopReason,
  }))
}

async function waitForLog(gw: RealGateway, pattern: RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    for (const p of [gw.logPath, gw.gatewayLogPath]) {
      try {
        if (pattern.test(readFileSync(p, 'utf8'))) return true
      } catch {
        // not written yet
      }
    }
    await sleep(20)
  }
  return false
}

/**
 * Streams a slow run, restarts the gateway cleanly (SIGTERM) in the middle, sends `chat.send`,
 * `chat.history` and `sessions.list` every ~150 ms until the socket closes, then looks at history
 * and re-sends after the restart.
 */
export async function probeShutdown(gw: RealGateway): Promise<ShutdownProbeResult> {
  const tag = randomUUID().slice(0, 8)
  const slowKey = `clawchat:probe-${tag}:slow`
  const drainKey = `clawchat:probe-${tag}:drain`
  const doneKey = `clawchat:probe-${tag}:done`
  const c = await connectRaw(gw.url, gw.token)

  // A run that finishes before the restart: its key is sent again after it.
  const doneRun = randomUUID()
  const doneText = `finished before the restart ${tag}`
  await c.request('chat.send', { sessionKey: doneKey, message: doneText, idempotencyKey: doneRun })
  await c.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === doneRun && f.payload?.state === 'final',
    240_000,
    'the first run final',
  )

  const slowRun = randomUUID()
  const ack = await c.request('chat.send', {
    sessionKey: slowKey,
    message: `streaming at SIGTERM [[SLOW:12x400]] ${tag}`,
    idempotencyKey: slowRun,
  })
  if (ack.payload?.status !== 'started') throw new Error(`slow run not started: ${JSON.stringify(ack)}`)
  await c.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === slowRun && f.payload?.state === 'delta',
    180_000,
    'the first delta',
  )

  const from = c.received.length
  const restarting = gw.restart()
  const t0 = Date.now()
  const sawSignal = await waitForLog(gw, /received SIGTERM/, 10_000)
  if (!sawSignal) throw new Error('the gateway never logged "received SIGTERM"')

  const duringDrain: DrainRequest[] = []
  const newConnection: ShutdownProbeResult['newConnection'] = { opened: false, challenge: false }
  const newConnectionDone = (async () => {
    try {
      const n = await RawWs.open(gw.url, { openTimeoutMs: 5000 })
      newConnection.opened = true
      await n.waitFor((f) => f.type === 'event' && f.event === 'connect.challenge', 5000, 'connect.challenge')
      newConnection.challenge = true
      newConnection.connect = await n.request('connect', backendConnect(gw.token), { timeoutMs: 20_000 })
      const closed = await Promise.race([n.closed, sleep(20_000).then(() => undefined)])
      if (closed) newConnection.close = { code: closed.code, reason: closed.reason }
      n.terminate()
    } catch (err) {
      newConnection.error = err instanceof Error ? err.message : String(err)
    }
  })()
  let n = 0
  while (!c.closeState && Date.now() - t0 < 180_000) {
    n += 1
    const batch: DrainRequest[] = [
      {
        method: 'chat.send',
        params: { sessionKey: drainKey, message: `sent during the drain #${n}`, idempotencyKey: `drain-${tag}-${n}` },
        sentAtMs: Date.now() - t0,
      },
    ]
    if (n <= 2) {
      batch.push({ method: 'chat.history', params: { sessionKey: slowKey }, sentAtMs: Date.now() - t0 })
      batch.push({ method: 'sessions.list', params: { limit: 1 }, sentAtMs: Date.now() - t0 })
    }
    for (const r of batch) {
      duringDrain.push(r)
      c.request(r.method, r.params, { timeoutMs: 60_000 }).then(
        (res) => (r.response = res),
        () => undefined,
      )
    }
    await Promise.race([c.closed, sleep(150)])
  }
  const close = await c.closed
  const drainMs = close.at - t0
  const drainFrames = c.received.slice(from).flatMap((r) => (r.frame ? [r.frame] : []))
  for (const r of duringDrain) {
    const runId = r.response?.payload?.runId
    if (r.method === 'chat.send' && typeof runId === 'string') {
      const end = drainFrames.find(
        (f) =>
          f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state),
      )
      if (end) r.terminal = end.payload.state
    }
  }
  const slowEnd = drainFrames.find(
    (f) =>
      f.event === 'chat' && f.payload?.runId === slowRun && ['final', 'error', 'aborted'].includes(f.payload?.state),
  )
  const shutdownEvent = drainFrames.find((f) => f.event === 'shutdown')
  await newConnectionDone
  await restarting

  const b = await connectRaw(gw.url, gw.token)
  const inFlightHistory = historyRows(await b.request('chat.history', { sessionKey: slowKey }))
  const refusedHistory = historyRows(await b.request('chat.history', { sessionKey: drainKey }))
  const firstRefused = duringDrain.find((r) => r.method === 'chat.send')!
  const refusedResend = await b.request('chat.send', firstRefused.params)
  let refusedResendTerminal: string | undefined
  if (refusedResend.payload?.status === 'started') {
    const end = await b.waitFor(
      (f) =>
        f.event === 'chat' &&
        f.payload?.runId === firstRefused.params.idempotencyKey &&
        ['final', 'error', 'aborted'].includes(f.payload?.state),
      180_000,
      'the re-sent run to end',
    )
    refusedResendTerminal = end.payload.state
  }
  const finishedResend = await b.request('chat.send', {
    sessionKey: doneKey,
    message: doneText,
    idempotencyKey: doneRun,
  })
  if (finishedResend.payload?.status === 'started') {
    await b.waitFor(
      (f) =>
        f.event === 'chat' && f.payload?.runId === doneRun && ['final', 'error', 'aborted'].includes(f.payload?.state),
      180_000,
      'the re-sent finished run to end',
    )
  } else await sleep(3000)
  const doneHistory = historyRows(await b.request('chat.history', { sessionKey: doneKey }))
  await b.close()

  return {
    version: gw.serverVersion,
    inFlight: {
      runId: slowRun,
      sessionKey: slowKey,
      terminal: slowEnd?.payload?.state,
      finalText: slowEnd ? historyRows({ payload: { messages: [slowEnd.payload.message] } })[0]?.text : undefined,
    },
    duringDrain,
    newConnection,
    shutdownEvent: shutdownEvent?.payload,
    close: { code: close.code, reason: close.reason },
    drainMs,
    after: {
      inFlightHistory,
      refusedHistory,
      refusedResend,
      refusedResendTerminal,
      finishedResend,
      finishedResendHistory: doneHistory,
    },
    drainFrames,
  }
}
