import type { MockAgent } from '../agent.js'
import type { ResolvedFailure } from '../options.js'
import type { RunExecMode } from '../sessions/session-permissions.js'
import type { ToolHost } from '../tools/tool-context.js'
import type { RunBroadcast } from './run-emitter.js'
import type { SessionsChangedCause } from '../sessions/session-event-payloads.js'
import type { SessionRecord, SessionStore, StoredMessage } from '../sessions/session-store.js'

/** What a run needs from the gateway around it. */
export interface RunHost extends RunBroadcast, ToolHost {
  readonly store: SessionStore
  /** Sends `session.message` to the connections subscribed to it. */
  emitSessionMessage(session: SessionRecord, message: StoredMessage): void
  /** Sends `sessions.changed` to `sessions.subscribe` subscribers. */
  emitSessionsChanged(session: SessionRecord, cause: SessionsChangedCause): void
  /** Called once when the run is over, whatever the outcome. */
  runFinished(runId: string): void
  log(line: string): void
}

/** The settings a run is started with (taken at `chat.send`, so runtime changes affect later runs). */
export interface RunSettings {
  agent: MockAgent
  failure: ResolvedFailure
  chunkDelayMs: number
  phaseDelayMs: number
  /** The exec policy (`'ask'`: every exec waits for an approval). */
  execMode: RunExecMode
}
