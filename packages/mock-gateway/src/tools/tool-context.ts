import type { ApprovalRegistry } from '../approvals/approval-registry.js'
import type { RunExecMode } from '../sessions/session-permissions.js'
import type { QuestionRegistry } from '../questions/question-registry.js'
import type { RunRef } from '../runs/run-event-types.js'
import { agentApprovalLifecycle, agentToolEvent, type ToolCallInfo } from './tool-payloads.js'

/** What tools need from the gateway. */
export interface ToolHost {
  /** Sends an `agent` event to every operator connection. */
  broadcastAgent(payload: Record<string, unknown>): void
  /** Sends an `agent` `tool` event to the `chat.send` connection, if it asked for `tool-events`. */
  sendToolEvent(connectionId: string, payload: Record<string, unknown>): void
  readonly approvals: ApprovalRegistry
  readonly questions: QuestionRegistry
}

/** One run's view of its tools: who sent it, its seq counter, its stop signal, its settings. */
export interface ToolRunContext {
  host: ToolHost
  ref: RunRef
  /** The next payload `seq` of the run (tool events use it even when nobody receives them). */
  nextSeq(): number
  senderConnectionId: string
  /** The sender's device id: approvals are visible to approval clients of the same device. */
  senderDeviceId: string | undefined
  signal: AbortSignal
  execMode: RunExecMode
  /** Waits `ms` (rejects when the run stops). */
  pause(ms: number): Promise<void>
  /** Set while a tool waits for a human (approval or question): new messages are steered in. */
  setWaiting(waiting: boolean): void
}

/**
 * Emits one tool call's events with the run's seq, to the recorded recipients: `item`,
 * `command_output`, `approval` and `lifecycle` to every operator, `tool` only to the sender with
 * `tool-events`.
 */
export class ToolEvents {
  constructor(
    private readonly ctx: ToolRunContext,
    readonly call: ToolCallInfo,
  ) {}

  item(data: Record<string, unknown>): void {
    this.ctx.host.broadcastAgent(agentToolEvent(this.ctx.ref, 'item', this.ctx.nextSeq(), data))
  }

  tool(data: Record<string, unknown>): void {
    this.ctx.host.sendToolEvent(
      this.ctx.senderConnectionId,
      agentToolEvent(this.ctx.ref, 'tool', this.ctx.nextSeq(), data),
    )
  }

  commandOutput(data: Record<string, unknown>): void {
    this.ctx.host.broadcastAgent(agentToolEvent(this.ctx.ref, 'command_output', this.ctx.nextSeq(), data))
  }

  approval(data: Record<string, unknown>): void {
    this.ctx.host.broadcastAgent(agentToolEvent(this.ctx.ref, 'approval', this.ctx.nextSeq(), data))
  }

  lifecycle(phase: 'waiting-approval' | 'approval-resolved', approvalId: string): void {
    const seq = this.ctx.nextSeq()
    this.ctx.host.broadcastAgent(agentApprovalLifecycle(this.ctx.ref, seq, phase, approvalId, this.call.toolCallId))
  }
}

/**
 * The stop reason of a run silenced by a crash or shutdown: its tools then emit nothing more
 * (an abort's reason is anything else).
 */
export const RUN_SILENCED = new Error('run silenced')

/** Resolves with `promise`, or rejects with the run's stop reason as soon as it stops. */
export function untilStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e as Error)
      },
    )
  })
}

/** What a finished tool call gives the model and the run. */
export interface ToolOutcome {
  name: string
  /** The text the model sees (the `toolResult` row's content). */
  text: string
  isError: boolean
  /** Tool names that succeeded (nested ones included), for `successfulToolNames`. */
  succeeded: string[]
}
