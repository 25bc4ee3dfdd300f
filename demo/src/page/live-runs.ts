import type { ReplyHandle } from './message-list.js'

/** A reply this page is streaming (its own message) or following (`chat.attach`). */
export interface ActiveRun {
  sessionKey: string
  /** The question it answers. */
  text: string
  controller: AbortController
  reply: ReplyHandle
  /** Known from the stream's first part on. */
  runId?: string
  /** The question's row, when this page drew it (it goes back under the history after a switch). */
  userRow?: HTMLElement
  /**
   * `sent`: streamed by this page (default); `attached`: a reply in progress this page follows with
   * `chat.attach`; `restored`: a message the SDK restored from its persisted queue, whose reply the
   * page follows. For the last two the stream's signal stops following only, not the run.
   */
  kind?: 'sent' | 'attached' | 'restored'
}

/**
 * The replies this page is streaming or following, by session (one per session: the composer waits
 * for it), and the ids of every run it streamed or followed.
 *
 * @example
 * const runs = new LiveRuns()
 * runs.start({ sessionKey: 'main', text: 'hi', controller: new AbortController(), reply })
 * runs.has('main') // true until runs.end(run)
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

  /** True for a run this page streamed or followed. */
  startedHere(runId: string): boolean {
    return this.started.has(runId)
  }

  /** Stops every stream (the page signs out). */
  abortAll(): void {
    for (const run of this.bySession.values()) run.controller.abort()
  }
}
