// Scripted tool scenarios (issue 18), run identically against the real gateway (exec policy
// `tools.exec.mode: "ask"`, fake model) and the mock (`exec: { mode: 'ask' }`, same markers): a
// `read` tool run, an exec approved, an exec denied, a question answered. The client is shaped like
// t2's sender A (TOOLS-AND-APPROVALS.md): device-signed, read/write/approvals/questions, caps
// `tool-events` + `exec-approvals`, so it receives the live `tool` stream and its own run's
// approvals. Each transcript holds, in arrival order, the run's `chat`/`agent` events, its
// approval and question events and the answers to the script's requests, then `chat.history`.
import { randomUUID } from 'node:crypto'
import { newTestDevice, rawConnected } from './device-connect.js'
import type { FidelityTarget } from './fidelity-scenarios.js'
import type { RawWs } from './raw-ws.js'
import type { Transcript, TranscriptStep } from './transcript.js'

/** A target for the tool scenarios: where `read` finds a file (the mock fakes `read` and ignores it). */
export interface ToolFidelityTarget extends FidelityTarget {
  /** An existing file the real gateway's agent may read (default `/etc/hostname`). */
  readPath?: string
}

/** Session keys of the tool scenarios (the same on both gateways). */
export const TOOL_FIDELITY_KEYS = {
  read: 'fidelity:tool-read',
  approved: 'fidelity:exec-approved',
  denied: 'fidelity:exec-denied',
  question: 'fidelity:question',
} as const

const SCOPES = ['operator.read', 'operator.write', 'operator.approvals', 'operator.questions']
const CAPS = ['tool-events', 'exec-approvals']
const RUN_TIMEOUT_MS = 90_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The tool markers of the fake model (and the mock). */
export const toolMarker = (name: string, args: unknown) => `[[TOOL:${name}]] [[ARGS:${JSON.stringify(args)}]]`

/** A question through `tool_call` → `ask_user`, as t3 asked it. */
export const askMarker = (questionId: string, timeoutSeconds = 60) =>
  toolMarker('tool_call', {
    id: 'ask_user',
    args: {
      questions: [
        {
          id: questionId,
          header: 'Color',
          question: 'Pick a color?',
          options: [{ label: 'red' }, { label: 'blue' }],
        },
      ],
      timeoutSeconds,
    },
  })

const runEnded = (runId: string) => (f: Record<string, any>) =>
  f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state)

/** The first frame matching `match`, or undefined when the run ended first (or nothing came in time). */
async function waitUnlessEnded(
  c: RawWs,
  runId: string,
  match: (f: Record<string, any>) => boolean,
  what: string,
): Promise<Record<string, any> | undefined> {
  const f = await c.waitFor((x) => match(x) || runEnded(runId)(x), RUN_TIMEOUT_MS, what).catch(() => undefined)
  return f && match(f) ? f : undefined
}

/** Whether a frame belongs to run `runId` (its chat/agent events, approvals and questions). */
function ofRun(runId: string, questionIds: Set<string>) {
  return (f: Record<string, any>): boolean => {
    if (f.type !== 'event') return false
    if (f.event === 'chat' || f.event === 'agent') return f.payload?.runId === runId
    if (String(f.event).startsWith('exec.approval.')) return f.payload?.request?.runId === runId
    if (f.event === 'question.requested') {
      if (f.payload?.runId !== runId) return false
      questionIds.add(String(f.payload.id))
      return true
    }
    if (f.event === 'question.resolved') return questionIds.has(String(f.payload?.id))
    return false
  }
}

/** One tool run: send, let `act` answer what the run waits for, wait for the end, record. */
async function toolRun(
  target: ToolFidelityTarget,
  name: string,
  sessionKey: string,
  message: string,
  act: (c: RawWs, runId: string, steps: TranscriptStep[]) => Promise<string[]>,
): Promise<Transcript> {
  const steps: TranscriptStep[] = []
  const c = await rawConnected({
    url: target.url,
    token: target.token,
    scopes: SCOPES,
    caps: CAPS,
    device: newTestDevice(),
  })
  try {
    const runId = randomUUID()
    const from = c.received.length
    const sendId = `send-${runId}`
    void c.request('chat.send', { sessionKey, message, idempotencyKey: runId }, { id: sendId }).catch(() => undefined)
    const resIds = [sendId, ...(await act(c, runId, steps))]
    const end = await c.waitFor(runEnded(runId), RUN_TIMEOUT_MS, 'the run to end').catch(() => undefined)
    await sleep(end ? 800 : 0) // what the run still sends after its final (question.resolved comes late)
    const questionIds = new Set<string>()
    const mine = ofRun(runId, questionIds)
    const recorded: TranscriptStep[] = c.received
      .slice(from)
      .flatMap((r) =>
        r.frame && ((r.frame.type === 'res' && resIds.includes(r.frame.id)) || mine(r.frame))
          ? [{ kind: 'frame' as const, frame: r.frame }]
          : [],
      )
    if (!end) recorded.push({ kind: 'nothing', what: 'no end of the run' })
    steps.unshift(...recorded)
    steps.push({ kind: 'frame', frame: await c.request('chat.history', { sessionKey }) })
  } finally {
    await c.close()
  }
  return { scenario: name, steps }
}

/** Waits for the run's approval request; resolves it with `decision`, then once more with the other. */
function answerApproval(decision: 'allow-once' | 'deny') {
  return async (c: RawWs, runId: string, steps: TranscriptStep[]): Promise<string[]> => {
    const req = await waitUnlessEnded(
      c,
      runId,
      (f) => f.event === 'exec.approval.requested' && f.payload?.request?.runId === runId,
      'exec.approval.requested',
    )
    if (!req) {
      steps.push({ kind: 'nothing', what: 'no exec.approval.requested' })
      return []
    }
    // While pending: what get answers (a presentation on the real gateway, not the request).
    steps.push({ kind: 'frame', frame: await c.request('exec.approval.get', { id: req.payload.id }) })
    steps.push({ kind: 'frame', frame: await c.request('approval.get', { id: req.payload.id }) })
    // The answer is kept out of the event stream: on the real gateway it comes 0.04–0.9 s after the
    // decision, after the run's next events (or its final), depending on load; the mock answers at once.
    steps.push({ kind: 'frame', frame: await c.request('exec.approval.resolve', { id: req.payload.id, decision }) })
    // After the run: the same approval resolved differently, and an id nobody knows.
    const other = decision === 'deny' ? 'allow-once' : 'deny'
    await c.waitFor(runEnded(runId), RUN_TIMEOUT_MS, 'the run to end').catch(() => undefined)
    steps.push({
      kind: 'frame',
      frame: await c.request('exec.approval.resolve', { id: req.payload.id, decision: other }),
    })
    steps.push({ kind: 'frame', frame: await c.request('exec.approval.get', { id: randomUUID() }) })
    steps.push({ kind: 'frame', frame: await c.request('exec.approval.list', {}) })
    return []
  }
}

/** The tool scenarios, in the order they run. */
export const TOOL_FIDELITY_SCENARIOS: Array<{ name: string; run(t: ToolFidelityTarget): Promise<Transcript> }> = [
  {
    // A `read` (no approval needed): item start, tool start/result, item end, the text.
    name: 'tool-read',
    run: (t) =>
      toolRun(
        t,
        'tool-read',
        TOOL_FIDELITY_KEYS.read,
        `please read ${toolMarker('read', { path: t.readPath ?? '/etc/hostname' })} MSG:read`,
        async () => [],
      ),
  },
  {
    name: 'exec-approved',
    run: (t) =>
      toolRun(
        t,
        'exec-approved',
        TOOL_FIDELITY_KEYS.approved,
        `run ${toolMarker('exec', { command: 'echo approve-me', title: 'say hi' })} MSG:approved`,
        answerApproval('allow-once'),
      ),
  },
  {
    name: 'exec-denied',
    run: (t) =>
      toolRun(
        t,
        'exec-denied',
        TOOL_FIDELITY_KEYS.denied,
        `run ${toolMarker('exec', { command: 'echo deny-me', title: 'say no' })} MSG:denied`,
        answerApproval('deny'),
      ),
  },
  {
    // ask_user through tool_call: question.requested, question.list, the answer, question.resolved.
    name: 'question-answered',
    run: (t) =>
      toolRun(
        t,
        'question-answered',
        TOOL_FIDELITY_KEYS.question,
        `ask ${askMarker('color')} MSG:question`,
        async (c, runId, steps) => {
          const q = await waitUnlessEnded(
            c,
            runId,
            (f) => f.event === 'question.requested' && f.payload?.runId === runId,
            'question.requested',
          )
          if (!q) {
            steps.push({ kind: 'nothing', what: 'no question.requested' })
            return []
          }
          const listId = `qlist-${runId}`
          const answerId = `qanswer-${runId}`
          await c.request('question.list', {}, { id: listId })
          await c.request(
            'question.resolve',
            { id: q.payload.id, answers: { answers: { color: ['blue'] } } },
            { id: answerId },
          )
          const unknown = { id: 'ask_00000000000000000000000000000000', answers: { answers: { color: ['red'] } } }
          steps.push({ kind: 'frame', frame: await c.request('question.resolve', unknown) })
          return [listId, answerId]
        },
      ),
  },
]

/**
 * Runs the tool scenarios one after another against one gateway.
 *
 * @example
 * const real = await runToolFidelityScenarios({ name: 'real', url: gw.url, token: gw.token, readPath })
 */
export async function runToolFidelityScenarios(target: ToolFidelityTarget): Promise<Map<string, Transcript>> {
  const out = new Map<string, Transcript>()
  for (const s of TOOL_FIDELITY_SCENARIOS) {
    try {
      out.set(s.name, await s.run(target))
    } catch (err) {
      throw new Error(
        `tool fidelity scenario "${s.name}" failed on the ${target.name} gateway: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      )
    }
  }
  return out
}
