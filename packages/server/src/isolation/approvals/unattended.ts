/**
 * The unattended deny: an approval that nobody who may answer it can see (nobody of them connected
 * with approval `caps`) for `unattendedDenyMs` is denied by the proxy, so that a run does not wait
 * 30 minutes unseen; its owner's `exec.approval.resolved` then says `resolvedBy: "clawchat"` and why.
 * Someone who may answer connecting in time resets the wait. A sweep looks at every pending
 * approval every `unattendedDenyMs / 10` (between 100 ms and 5 s), so the deny comes within that
 * much after the time; the clock is injectable for tests.
 */
import type { ApprovalEntry, ApprovalRegistry } from './approval-registry.js'

/** The timers the watch uses (the real ones, or fake ones in tests). */
export interface WatchClock {
  now(): number
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

/** The real clock. */
export const SYSTEM_CLOCK: WatchClock = {
  now: () => Date.now(),
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms)
    handle.unref?.()
    return handle
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
}

/** What the watch needs. */
export interface UnattendedDeps {
  registry: ApprovalRegistry
  /** `approvals.unattendedDenyMs`; 0 turns the watch off. */
  unattendedDenyMs: number
  clock: WatchClock
  /** Is someone who may answer it connected (with approval caps)? */
  isAttended(entry: ApprovalEntry): boolean
  /** Can the proxy reach the gateway now? */
  isLinkUp(): boolean
  /** Denies it upstream; resolves whether the gateway took it. */
  deny(entry: ApprovalEntry, reason: string): Promise<boolean>
}

/** The sentence the owner is told. */
export function unattendedReason(ms: number): string {
  const seconds = Math.round(ms / 1000)
  const said =
    seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} second${seconds === 1 ? '' : 's'}`
  return (
    `Nobody who may answer this approval was connected for ${said}, ` +
    'so ClawChat denied it rather than let the run wait unseen.'
  )
}

/** How often the watch sweeps, for a deny time of `ms`. */
export function sweepInterval(ms: number): number {
  return Math.min(5000, Math.max(100, Math.floor(ms / 10)))
}

/**
 * Watches the pending approvals.
 *
 * @example
 * const watch = new UnattendedWatch({ registry, unattendedDenyMs: 120_000, clock: SYSTEM_CLOCK, … })
 * watch.start()
 */
export class UnattendedWatch {
  private handle: unknown
  private readonly denying = new Set<string>()

  constructor(private readonly deps: UnattendedDeps) {}

  /** Starts sweeping (no-op when turned off). */
  start(): void {
    if (this.deps.unattendedDenyMs <= 0 || this.handle !== undefined) return
    this.handle = this.deps.clock.setInterval(() => this.sweep(), sweepInterval(this.deps.unattendedDenyMs))
  }

  stop(): void {
    if (this.handle !== undefined) this.deps.clock.clearInterval(this.handle)
    this.handle = undefined
  }

  /** Looks at one approval now (when it is requested): starts its wait if nobody attends it. */
  look(entry: ApprovalEntry): void {
    if (this.deps.unattendedDenyMs <= 0 || entry.resolved) return
    if (this.deps.isAttended(entry)) delete entry.unattendedSince
    else entry.unattendedSince ??= this.deps.clock.now()
  }

  /** Looks at every pending approval; denies those unattended for long enough. */
  sweep(): void {
    const { unattendedDenyMs, clock } = this.deps
    const now = clock.now()
    for (const entry of this.deps.registry.pending()) {
      this.look(entry)
      const since = entry.unattendedSince
      if (since === undefined || now - since < unattendedDenyMs || this.denying.has(entry.id)) continue
      if (!this.deps.isLinkUp()) continue
      this.denying.add(entry.id)
      void this.deps.deny(entry, unattendedReason(unattendedDenyMs)).then((taken) => {
        this.denying.delete(entry.id)
        // Taken: no longer pending, whether or not the gateway's resolved event came yet.
        if (taken) entry.resolved ??= { decision: 'deny', atMs: this.deps.clock.now() }
        // Refused or failed: wait a whole period again before the next try.
        else if (!entry.resolved) entry.unattendedSince = this.deps.clock.now()
      })
    }
  }
}
