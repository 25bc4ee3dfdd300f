// Scripted wire scenarios, run identically against the real gateway and the mock with raw `ws`
// clients. Each returns a transcript of the frames it chose, in arrival order, and closes. The
// scripts only depend on the gateway's URL and token, and on the fake model's markers
// ([[SLOW:NxMS]]), which the mock's `fakeModelAgent` honours the same way.
import { randomUUID } from 'node:crypto'
import { MANAGE_SCENARIO } from './manage-fidelity-scenario.js'
import { SUSPENSION_SCENARIO } from './suspension-fidelity-scenario.js'
import { RawWs } from './raw-ws.js'
import type { Transcript, TranscriptStep } from './transcript.js'

/** A gateway to run the scenarios against. */
export interface FidelityTarget {
  name: 'real' | 'mock'
  /** `ws://127.0.0.1:<port>` */
  url: string
  token: string
}

/** One scenario: a name, and the script. */
export interface FidelityScenario {
  name: string
  run(target: FidelityTarget): Promise<Transcript>
}

/** `connect` params as the reference's raw client sent them: `gateway-client`/`backend`, read + write. */
function connectParams(
  token: string,
  overrides: { scopes?: string[]; protocol?: number; client?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    minProtocol: overrides.protocol ?? 4,
    maxProtocol: overrides.protocol ?? 4,
    client: overrides.client ?? { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
    role: 'operator',
    scopes: overrides.scopes ?? ['operator.read', 'operator.write'],
    caps: ['tool-events'],
    auth: { token },
  }
}

const isChallenge = (f: Record<string, any>) => f.type === 'event' && f.event === 'connect.challenge'

/** Opens a socket and waits for the challenge (recorded as the first step). */
async function openWithChallenge(target: FidelityTarget, steps: TranscriptStep[]): Promise<RawWs> {
  const c = await RawWs.open(target.url)
  steps.push({ kind: 'frame', frame: await c.waitFor(isChallenge, 10_000, 'connect.challenge') })
  return c
}

/** A connection that completed `connect` (nothing recorded). */
async function connected(target: FidelityTarget, scopes?: string[]): Promise<RawWs> {
  const c = await RawWs.open(target.url)
  await c.waitFor(isChallenge, 10_000, 'connect.challenge')
  const res = await c.request('connect', connectParams(target.token, { scopes }), { timeoutMs: 20_000 })
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  return c
}

/** After the challenge: every frame until the socket closes (or `timeoutMs`), then the close. */
async function untilClose(c: RawWs, steps: TranscriptStep[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const close = await Promise.race([
    c.closed,
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  for (const r of c.received) if (r.frame && !isChallenge(r.frame)) steps.push({ kind: 'frame', frame: r.frame })
  if (close) steps.push({ kind: 'close', code: close.code, reason: close.reason })
  else {
    steps.push({ kind: 'nothing', what: `no close within ${timeoutMs} ms` })
    c.terminate()
  }
}

/** A handshake failure row: after the challenge, `act` sends something; record until the close. */
function refusal(
  name: string,
  act: (c: RawWs, target: FidelityTarget) => void,
  closeWithinMs = 12_000,
): FidelityScenario {
  return {
    name,
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await openWithChallenge(target, steps)
      act(c, target)
      await untilClose(c, steps, closeWithinMs)
      return { scenario: name, steps }
    },
  }
}

const isRunEvent = (runId: string) => (f: Record<string, any>) =>
  f.type === 'event' && (f.event === 'chat' || f.event === 'agent') && f.payload?.runId === runId
const isTerminal =
  (runId: string, states = ['final', 'error', 'aborted']) =>
  (f: Record<string, any>) =>
    f.type === 'event' && f.event === 'chat' && f.payload?.runId === runId && states.includes(f.payload?.state)

/** Frames received from index `from` on that are the response `resId` or events of `runId`. */
function runFrames(c: RawWs, from: number, runId: string, resIds: string[]): Array<Record<string, any>> {
  return c.received
    .slice(from)
    .flatMap((r) =>
      r.frame && ((r.frame.type === 'res' && resIds.includes(r.frame.id)) || isRunEvent(runId)(r.frame))
        ? [r.frame]
        : [],
    )
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The session keys and texts the scenarios use (the same on both gateways). */
export const FIDELITY_KEYS = {
  chat: 'fidelity:chat',
  abort: 'fidelity:abort',
  idemA: 'fidelity:idem-a',
  idemB: 'fidelity:idem-b',
  scope: 'fidelity:scope',
} as const

/**
 * The scenarios, in the order they run. `no-frame` waits for the gateway's 15 s handshake timeout:
 * run it alongside the others (see `runFidelityScenarios`).
 */
export const FIDELITY_SCENARIOS: FidelityScenario[] = [
  {
    // Challenge → hello-ok → whatever else arrives within 1.5 s.
    name: 'handshake-ok',
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await openWithChallenge(target, steps)
      const res = await c.request('connect', connectParams(target.token), { timeoutMs: 20_000 })
      steps.push({ kind: 'frame', frame: res })
      const resIndex = c.frames.indexOf(res)
      await sleep(1500)
      for (const frame of c.frames.slice(resIndex + 1)) steps.push({ kind: 'frame', frame })
      await c.close()
      return { scenario: 'handshake-ok', steps }
    },
  },
  refusal(
    'wrong-token',
    (c) => void c.request('connect', connectParams(`wrong-${randomUUID()}`)).catch(() => undefined),
  ),
  refusal(
    'first-request-not-connect',
    (c) => void c.request('chat.history', { sessionKey: 'main' }).catch(() => undefined),
  ),
  refusal('invalid-json', (c) => c.send('{"type":"req","id":"1",')),
  refusal(
    'protocol-mismatch',
    (c, t) => void c.request('connect', connectParams(t.token, { protocol: 3 })).catch(() => undefined),
  ),
  refusal(
    'missing-client-version',
    (c, t) =>
      void c
        .request(
          'connect',
          connectParams(t.token, { client: { id: 'gateway-client', platform: 'linux', mode: 'backend' } }),
        )
        .catch(() => undefined),
  ),
  {
    // A read-only operator: chat.send needs write, sessions.reset needs admin. The socket stays open.
    name: 'missing-scope',
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await connected(target, ['operator.read'])
      steps.push({
        kind: 'frame',
        frame: await c.request('chat.send', {
          sessionKey: FIDELITY_KEYS.scope,
          message: 'not allowed',
          idempotencyKey: randomUUID(),
        }),
      })
      steps.push({ kind: 'frame', frame: await c.request('sessions.reset', { key: FIDELITY_KEYS.scope }) })
      steps.push({ kind: 'frame', frame: await c.request('chat.history', { sessionKey: FIDELITY_KEYS.scope }) })
      await c.close()
      return { scenario: 'missing-scope', steps }
    },
  },
  {
    // chat.send (instant echo) → ack and the run's events in arrival order until final → chat.history.
    name: 'chat-sequence',
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await connected(target)
      const runId = randomUUID()
      const from = c.received.length
      const reqId = `send-${runId}`
      void c
        .request(
          'chat.send',
          { sessionKey: FIDELITY_KEYS.chat, message: 'hello fidelity', idempotencyKey: runId },
          { id: reqId },
        )
        .catch(() => undefined)
      await c.waitFor(isTerminal(runId), 60_000, 'the run to end')
      await sleep(500) // anything the run still sends after its final
      for (const frame of runFrames(c, from, runId, [reqId])) steps.push({ kind: 'frame', frame })
      steps.push({ kind: 'frame', frame: await c.request('chat.history', { sessionKey: FIDELITY_KEYS.chat }) })
      await c.close()
      return { scenario: 'chat-sequence', steps }
    },
  },
  {
    // The row of the session chat-sequence made (other rows vary with what ran before).
    name: 'sessions-list-row',
    async run(target) {
      const c = await connected(target)
      const res = await c.request('sessions.list', {})
      await c.close()
      const rows = (res.payload?.sessions ?? []) as Array<Record<string, any>>
      const row = rows.find((r) => r.key === `agent:main:${FIDELITY_KEYS.chat}`)
      const frame = { ...res, payload: { ...res.payload, sessions: row ? [row] : [] } }
      return { scenario: 'sessions-list-row', steps: [{ kind: 'frame', frame }] }
    },
  },
  {
    // A slow stream aborted after its first delta: the abort's answer and the run's events after
    // it, in arrival order; then an abort with nothing to abort.
    name: 'abort',
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await connected(target)
      const runId = randomUUID()
      const ack = await c.request('chat.send', {
        sessionKey: FIDELITY_KEYS.abort,
        message: 'abort me [[SLOW:30x300]]',
        idempotencyKey: runId,
      })
      steps.push({ kind: 'frame', frame: ack })
      await c.waitFor(
        (f) => isRunEvent(runId)(f) && f.event === 'chat' && f.payload.state === 'delta',
        60_000,
        'the first delta',
      )
      const from = c.received.length
      const abortId = `abort-${runId}`
      void c.request('chat.abort', { sessionKey: FIDELITY_KEYS.abort, runId }, { id: abortId }).catch(() => undefined)
      await c.waitFor((f) => f.type === 'res' && f.id === abortId, 15_000, 'the abort answer')
      await c.waitFor(isTerminal(runId), 15_000, 'the aborted event')
      await sleep(1000) // the run's stray events after the abort
      // Deltas already on their way when the abort went out are timing, not behaviour.
      for (const frame of runFrames(c, from, runId, [abortId]))
        if (!(frame.event === 'chat' && frame.payload?.state === 'delta') && frame.payload?.stream !== 'assistant')
          steps.push({ kind: 'frame', frame })
      steps.push({ kind: 'frame', frame: await c.request('chat.abort', { sessionKey: FIDELITY_KEYS.abort, runId }) })
      await c.close()
      return { scenario: 'abort', steps }
    },
  },
  {
    // SESSIONS-AND-BROADCAST.md Q4: in_flight, conflict and cross-session while running; ok,
    // cross-session ok and conflict after the final; the other session got no run.
    name: 'idempotency',
    async run(target) {
      const steps: TranscriptStep[] = []
      const c = await connected(target)
      const key = randomUUID()
      const text = 'same key [[SLOW:10x300]]'
      const send = (sessionKey: string, message: string) =>
        c.request('chat.send', { sessionKey, message, idempotencyKey: key })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemA, text) })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemA, text) })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemA, 'other text [[SLOW:10x300]]') })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemB, text) })
      await c.waitFor(isTerminal(key), 60_000, 'the run to end')
      await sleep(300)
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemA, text) })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemB, text) })
      steps.push({ kind: 'frame', frame: await send(FIDELITY_KEYS.idemB, 'other text') })
      await sleep(300)
      const history = await c.request('chat.history', { sessionKey: FIDELITY_KEYS.idemB })
      steps.push({ kind: 'frame', frame: history })
      // The run's terminal events all name session A.
      const sessions = [...new Set(c.frames.filter(isRunEvent(key)).map((f) => String(f.payload.sessionKey)))]
      steps.push({ kind: 'frame', frame: { type: 'note', runEventSessionKeys: sessions } })
      await c.close()
      return { scenario: 'idempotency', steps }
    },
  },
  // Issue 20: rename, pin, list, rewind, archive, delete (manage-fidelity-scenario.ts).
  MANAGE_SCENARIO,
  // Issue 22: suspend idle and with a drain, resume (suspension-fidelity-scenario.ts). Last: it fences work.
  SUSPENSION_SCENARIO,
]

/** Waits for the gateway's handshake timeout on a socket that sends nothing (15 s on both). */
export const NO_FRAME_SCENARIO: FidelityScenario = refusal('no-frame', () => undefined, 25_000)

/**
 * The `shutdown` row of "Errors and closes": a connected client while the gateway stops cleanly.
 * Records what arrives after `stop` is called, and the close. Not in `FIDELITY_SCENARIOS`: it ends
 * the gateway, so the caller runs it last, with its own way to stop the gateway.
 *
 * @example
 * const t = await recordShutdown(target, () => gateway.stop())
 */
export async function recordShutdown(target: FidelityTarget, stop: () => Promise<void>): Promise<Transcript> {
  const c = await connected(target)
  await sleep(500) // anything sent right after hello-ok is not part of this row
  const from = c.received.length
  const stopped = stop()
  const close = await Promise.race([c.closed, sleep(60_000).then(() => undefined)])
  await stopped
  const steps: TranscriptStep[] = c.received
    .slice(from)
    .flatMap((r) => (r.frame ? [{ kind: 'frame' as const, frame: r.frame }] : []))
  if (close) steps.push({ kind: 'close', code: close.code, reason: close.reason })
  else {
    steps.push({ kind: 'nothing', what: 'no close within 60 s of the stop' })
    c.terminate()
  }
  return { scenario: 'shutdown', steps }
}

/**
 * Runs every scenario against one gateway: `no-frame` in the background (it waits 15 s), the others
 * one after another. Resolves with the transcripts by scenario name.
 *
 * @example
 * const real = await runFidelityScenarios({ name: 'real', url: gw.url, token: gw.token })
 */
export async function runFidelityScenarios(target: FidelityTarget): Promise<Map<string, Transcript>> {
  const out = new Map<string, Transcript>()
  const noFrame = NO_FRAME_SCENARIO.run(target)
  for (const s of FIDELITY_SCENARIOS) {
    try {
      out.set(s.name, await s.run(target))
    } catch (err) {
      throw new Error(
        `fidelity scenario "${s.name}" failed on the ${target.name} gateway: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      )
    }
  }
  out.set(NO_FRAME_SCENARIO.name, await noFrame)
  return out
}
