/**
 * Runs the gateway's going down interrupted, and the recovery runs that finish them, live — pure
 * state, fed by the router. When the link goes down, every run still live (its end never came) is
 * remembered as *interrupted*, the latest per session. A gateway that crashed mid-run starts, once
 * back, a recovery run of its own on the session (a run id the proxy never made): its events are
 * routed as the interrupted run's — the same browser `runId` — so a stream waiting for that reply
 * sees it (`chat.history` attributes the recovery's rows the same way, `history-runs.ts`). An
 * interrupted run stops waiting when a run the proxy made streams on its session again (the run
 * went on, or the user sent anew), and after {@link INTERRUPTED_MAX_AGE_MS}.
 */

/** How long after the link went down a gateway run may still finish an interrupted run. */
export const INTERRUPTED_MAX_AGE_MS = 10 * 60_000
/** Most interrupted runs and adopted recovery runs remembered (the oldest forgotten first). */
export const MAX_INTERRUPTED = 4096

/** A run as the live store knows it. */
export interface InterruptedRun {
  /** Its upstream run id. */
  readonly key: string
  readonly userId: string
  /** Its browser run id. */
  readonly runId: string
  readonly sessionKey: string
}

/** A gateway run routed as an interrupted one. */
export interface Adoption {
  /** The interrupted run it finishes (browser run id). */
  readonly runId: string
  /** The interrupted run's upstream id (to forget its text: the recovery starts over). */
  readonly interruptedKey: string
  /** No `chat` delta of it was routed yet: the first one starts the text over. */
  startsOver: boolean
}

/** Adds to a bounded map, dropping the oldest entry past {@link MAX_INTERRUPTED}. */
function boundedSet<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key)
  if (map.size >= MAX_INTERRUPTED) {
    const oldest = map.keys().next()
    if (!oldest.done) map.delete(oldest.value)
  }
  map.set(key, value)
}

/**
 * The interrupted runs of one proxy and the gateway runs finishing them.
 *
 * @example
 * link.on('down', () => interrupted.linkDown(live.all()))
 * const adoption = interrupted.adopt(recoveryRunId, userId, sessionKey) // route as adoption.runId
 */
export class InterruptedRuns {
  private readonly waiting = new Map<string, InterruptedRun & { at: number }>()
  private readonly adopted = new Map<string, Adoption>()

  constructor(private readonly now: () => number = Date.now) {}

  /** The link went down: every run still live is interrupted (the latest one per session). */
  linkDown(live: Iterable<InterruptedRun>): void {
    const at = this.now()
    for (const run of live) {
      // A recovery run that is itself interrupted stands for the run it finishes.
      const { key, userId, runId, sessionKey } = run
      boundedSet(this.waiting, `${userId}\0${sessionKey}`, { key, userId, runId, sessionKey, at })
    }
  }

  /** A run the proxy made streams on the session: nothing there waits for a gateway run any more. */
  ownRunStreams(userId: string, sessionKey: string): void {
    if (this.waiting.size > 0) this.waiting.delete(`${userId}\0${sessionKey}`)
  }

  /**
   * The interrupted run a gateway run (`upstream`, not made by the proxy) on the user's session
   * finishes, or `undefined` when none waits there. The first event of it adopts the run.
   */
  adopt(upstream: string, userId: string, sessionKey: string): Adoption | undefined {
    const known = this.adopted.get(upstream)
    if (known) return known
    if (this.waiting.size === 0) return undefined
    const slot = `${userId}\0${sessionKey}`
    const run = this.waiting.get(slot)
    if (!run) return undefined
    this.waiting.delete(slot)
    if (this.now() - run.at > INTERRUPTED_MAX_AGE_MS) return undefined
    const adoption: Adoption = { runId: run.runId, interruptedKey: run.key, startsOver: true }
    boundedSet(this.adopted, upstream, adoption)
    return adoption
  }

  /** The gateway run `upstream` ended: forget it. */
  ended(upstream: string): void {
    this.adopted.delete(upstream)
  }
}
