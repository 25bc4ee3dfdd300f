import type { ReplyHandle } from './message-list.js'

/** A reply this page is streaming. */
export interface ActiveRun {
  sessionKey: string
  /** The question it answers. */
  text: string
  controller: AbortController
  reply: ReplyHandle
  /** Known from the stream's first part on. */
  runId?: string
}

/**
 * The replies this page is streaming, by session (one per session: the composer waits for it), and
 * the ids of every run this page started.
 *
 * @example
 * const runs = new LiveRuns()
 * runs.start({ sessionKey: 'main', text: 'hi', controller: new AbortController(), reply })
 * runs.isOwn('some-run', 'main') // true: this page is sending in main and has no run id yet
 */
export class LiveRuns {
  private readonly bySession = new Map<string, ActiveRun>()
  private readonly started = new Set<string>()

  get(sessionKey: string): ActiveRun | undefined {
    return this.bySession.get(sessionKey)
  }

  has(sessionKey: string): boolean {
    return this.bySession.has(sessionKey)
  }

  start(run: ActiveRun): void {
    this.bySession.set(run.sessionKey, run)
  }

  /** The stream named its run (the SDK's run id): from now on its events are this page's own. */
  name(run: ActiveRun, runId: string): void {
    run.runId = runId
    this.started.add(runId)
  }

  /** The run's stream ended (a newer run of the same session is left alone). */
  end(run: ActiveRun): void {
    if (this.bySession.get(run.sessionKey) === run) this.bySession.delete(run.sessionKey)
  }

  /** True for a run this page started. */
  startedHere(runId: string): boolean {
    return this.started.has(runId)
  }

  /** True for a run this page started, or one of this session it is sending before its first part named it. */
  isOwn(runId: string, sessionKey: string): boolean {
    if (this.started.has(runId)) return true
    const own = this.bySession.get(sessionKey)
    return own !== undefined && (own.runId === undefined || own.runId === runId)
  }

  /** Stops every stream (the page signs out). */
  abortAll(): void {
    for (const run of this.bySession.values()) run.controller.abort()
  }
}
