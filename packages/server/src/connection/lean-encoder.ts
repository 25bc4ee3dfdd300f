/**
 * What one connection is sent of a routed event (`isolation/routed-event.ts`), in its shape. A
 * browser that did not name `clawchat.lean` gets OpenClaw's event, byte for byte (its JSON made
 * once per fan-out). A lean one (issue 19, `@clawchat/protocol` `lean.ts`) gets, per run, one
 * `clawchat.run` head numbering the run on this connection with the text so far, then compact
 * deltas `[seq, run, deltaText(,1)]` (merged per turn by the outbox), the `final` without the text
 * it already has (with `textCheck`) when the final qualifies, and no `agent` text twins (stream
 * `assistant`) unless it named `clawchat.assistant-events`.
 */
import { ASSISTANT_EVENTS_CAP, CLAWCHAT_RUN_EVENT, LEAN_CAP, type LeanRunHead } from '@clawchat/protocol'
import type { LiveRun } from '../isolation/live-runs.js'
import type { RoutedEvent } from '../isolation/routed-event.js'
import type { Redactor } from '../common/errors.js'
import type { Outbox } from './outbox.js'

/** Most runs numbered at once on one connection (runs whose end never came): the oldest is dropped. */
export const MAX_NUMBERED_RUNS = 256

/**
 * The lean side of one connection: its run numbers and what it is sent of each routed event.
 *
 * @example
 * const encoder = new LeanEncoder(outbox, deps.redact, () => session.caps)
 * encoder.deliver(routed) // once the connection is ready
 */
export class LeanEncoder {
  /** Run numbers on this connection, by live run (a run the store met again is a new one). */
  private numbers: Map<LiveRun, number> | undefined
  private lastNumber = 0

  constructor(
    private readonly outbox: Outbox,
    private readonly redact: Redactor,
    private readonly caps: () => readonly string[],
  ) {}

  /** Sends `routed` in this connection's shape. */
  deliver(routed: RoutedEvent): void {
    const { lean } = routed
    if (lean === undefined || !this.caps().includes(LEAN_CAP)) {
      this.outbox.eventJson(routed.event, routed.json(this.redact))
      return
    }
    switch (lean.kind) {
      case 'assistant':
        if (this.caps().includes(ASSISTANT_EVENTS_CAP)) this.outbox.eventJson(routed.event, routed.json(this.redact))
        return
      case 'delta': {
        const { run, deltaText, replace } = lean.step
        const number = this.numbers?.get(run)
        if (number === undefined) this.head(run, replace)
        else if (deltaText !== '' || replace) this.outbox.leanDelta(number, deltaText, replace)
        return
      }
      case 'end': {
        const numbered = this.numbers?.delete(lean.run) === true
        const leanFinal = numbered ? routed.leanFinalJson(this.redact) : undefined
        this.outbox.eventJson(routed.event, leanFinal ?? routed.json(this.redact))
      }
    }
  }

  /** Numbers `run` on this connection and sends its head: the whole text so far. */
  private head(run: LiveRun, replace: boolean): void {
    const numbers = (this.numbers ??= new Map())
    if (numbers.size >= MAX_NUMBERED_RUNS) {
      const oldest = numbers.keys().next().value
      if (oldest) numbers.delete(oldest)
    }
    this.lastNumber += 1
    numbers.set(run, this.lastNumber)
    const head: LeanRunHead = { run: this.lastNumber, runId: run.runId, sessionKey: run.sessionKey, text: run.text }
    if (replace) head.replace = true
    this.outbox.event(CLAWCHAT_RUN_EVENT, head)
  }
}
