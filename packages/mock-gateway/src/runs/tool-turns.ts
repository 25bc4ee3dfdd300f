import { randomUUID } from 'node:crypto'
import type { MockToolCall, MockToolResult } from '../agent.js'
import type { SenderInfo, SessionRecord } from '../sessions/session-store.js'
import { appendToolCallMessage, appendToolResultMessage } from '../sessions/tool-messages.js'
import type { ToolRunContext } from '../tools/tool-context.js'
import { runTool } from '../tools/tool-runner.js'
import type { RunToolSummary } from './lifecycle-data.js'
import type { RunEmitter } from './run-emitter.js'
import type { RunHost } from './run-host.js'

/** A message sent to the session while its run waited: queued, then steered into the run (t2 phase 3). */
export interface SteeredInput {
  runId: string
  message: string
  sender: SenderInfo
  acceptedAt: number
  pendingId: string
}

let callCounter = 0

/** `call_mock_<n>_<i>`: like the recording's `call_fake_<n>_<i>`, one `n` per model turn. */
function nextCallIds(count: number): string[] {
  callCounter += 1
  return Array.from({ length: count }, (_, i) => `call_mock_${callCounter}_${i}`)
}

/**
 * The tool turns of one run: collects the tool calls of a model turn, then runs them in order with
 * their history rows (`toolCall`, `toolResult`), the turn's `usage`, and the next turn's `lifecycle`
 * `model`; takes in the messages steered into the run while a tool waited.
 */
export class ToolTurns {
  private batch: MockToolCall[] = []
  private readonly steered: SteeredInput[] = []
  private readonly succeeded: string[] = []
  private waiting = false
  private sideEffects = false
  /** Whether any tool ran (the run's end then says `replayInvalid:true`). */
  used = false
  /** The results so far, in order (the agent's `context.toolResults`). */
  readonly results: MockToolResult[] = []

  constructor(
    private readonly host: RunHost,
    private readonly session: SessionRecord,
    private readonly events: RunEmitter,
    private readonly context: Omit<ToolRunContext, 'host' | 'nextSeq' | 'setWaiting'>,
    private readonly inputTokens: () => number,
  ) {}

  /** Adds a call to the current model turn. */
  add(call: MockToolCall): void {
    this.batch.push(call)
  }

  /** Whether a tool is waiting for a human right now (approval or question). */
  get isWaiting(): boolean {
    return this.waiting
  }

  /** What the run's end says about its tools (`undefined` when none ran). */
  summary(): RunToolSummary | undefined {
    if (!this.used) return undefined
    return { names: [...new Set(this.succeeded)], replayInvalid: this.sideEffects }
  }

  /** Queues a message sent to the session while a tool waits. */
  steer(input: SteeredInput): void {
    this.steered.push(input)
  }

  /** The queued messages, as `chat.history.pendingInputs.items` shows them. */
  pendingInputs(): Array<Record<string, unknown>> {
    return this.steered.map((s) => ({
      id: s.pendingId,
      acceptedAt: s.acceptedAt,
      state: 'queued',
      message: {
        role: 'user',
        content: s.message,
        timestamp: s.acceptedAt,
        __openclaw: {
          transport: { clients: [{ id: s.sender.clientId, mode: s.sender.clientMode }] },
          id: `pending:${s.pendingId}`,
        },
      },
      runId: s.runId,
    }))
  }

  /**
   * Runs the pending calls (if any) as one model turn; returns the text of the last message steered
   * in meanwhile (the model answers that next), if any.
   */
  async flush(text = ''): Promise<string | undefined> {
    if (this.batch.length === 0) return undefined
    const batch = this.batch
    this.batch = []
    this.used = true
    this.sideEffects ||= batch.some((c) => c.tool !== 'read')
    const ids = nextCallIds(batch.length)
    this.events.usage(5 * batch.length, Date.now())
    const calls = batch.map((c, i) => ({ id: ids[i] as string, name: c.tool, arguments: c.args ?? {} }))
    const row = appendToolCallMessage(this.session, {
      runId: this.context.ref.runId,
      calls,
      text,
      inputTokens: this.inputTokens(),
    })
    this.host.emitSessionMessage(this.session, row)
    const ctx: ToolRunContext = {
      ...this.context,
      host: this.host,
      nextSeq: () => this.events.next(),
      setWaiting: (w) => (this.waiting = w),
    }
    for (const [i, call] of batch.entries()) {
      const outcome = await runTool(ctx, ids[i] as string, call)
      this.succeeded.push(...outcome.succeeded)
      this.results.push({ tool: outcome.name, text: outcome.text, isError: outcome.isError })
      appendToolResultMessage(this.session, {
        runId: this.context.ref.runId,
        toolCallId: ids[i] as string,
        toolName: outcome.name,
        text: outcome.text,
        isError: outcome.isError,
      })
    }
    const steeredText = this.takeSteered()
    this.events.modelTurn()
    return steeredText
  }

  /** Stores the steered messages and ends their own runs with a bare `final` (t2 phase 3). */
  takeSteered(): string | undefined {
    const inputs = this.steered.splice(0)
    for (const s of inputs) {
      const row = this.host.store.appendUserMessage(this.session, { text: s.message, runId: s.runId, sender: s.sender })
      this.host.emitSessionMessage(this.session, row)
      this.host.broadcastChat({ runId: s.runId, sessionKey: this.session.key, seq: 1, state: 'final' })
      this.host.runFinished(s.runId)
    }
    return inputs.at(-1)?.message
  }
}

/** A new pending-input id (`chat.history.pendingInputs.items[].id`). */
export function newPendingId(): string {
  return randomUUID()
}
