/**
 * Recorded frames of runs with tools (fixtures/tools/, see its README), as the proxy sends them to
 * the run's owner, and a fake-server handler that plays one of them for the run of a `chat.send`.
 */
import { readFileSync } from 'node:fs'
import type { ChatHistoryResult } from '@clawchat/protocol'
import type { FakeServer } from './fake-socket.js'
import { nextTurn } from './chat.js'

export interface RecordedFrame {
  event: string
  payload: Record<string, unknown>
}

export type Scenario = 'read' | 'exec' | 'approved' | 'denied' | 'question'

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/tools/${name}`, import.meta.url), 'utf8'))

const RUNS = fixture('run-frames.json') as Record<Scenario, RecordedFrame[]>

/** The history of session `tools-t1b` after the `read` and `exec` runs of t1. */
export const HISTORY_T1 = fixture('history-t1.json') as ChatHistoryResult

/** The frames of `scenario`, with the run id `$RUN` replaced by `runId`. */
export function framesOf(scenario: Scenario, runId: string): RecordedFrame[] {
  return JSON.parse(JSON.stringify(RUNS[scenario]).replaceAll('$RUN', runId)) as RecordedFrame[]
}

/**
 * A `chat.send` handler that answers, then plays `scenario`'s frames for the run, one per later
 * turn of the event loop; `pauseAt(frame)` returning a promise holds the rest until it settles.
 */
export function playScenario(
  server: FakeServer,
  scenario: Scenario,
  pauseAt: (frame: RecordedFrame) => Promise<unknown> | undefined = () => undefined,
): string[] {
  const runs: string[] = []
  server.handlers['chat.send'] = (p, _f, socket) => {
    runs.push(p.idempotencyKey)
    void (async () => {
      for (const frame of framesOf(scenario, p.idempotencyKey)) {
        await pauseAt(frame)
        await nextTurn()
        socket.receive({ type: 'event', event: frame.event, payload: frame.payload })
      }
    })()
    return { payload: { runId: p.idempotencyKey, status: 'started' } }
  }
  return runs
}
