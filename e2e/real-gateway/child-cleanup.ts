// Last-resort cleanup of the gateway processes this test process started: if the test process
// exits (or is told to stop by SIGINT/SIGTERM/SIGHUP) while a gateway still runs, SIGKILL it and
// its process group, then run its synchronous cleanup (delete its temp folder). Only PIDs
// registered here are touched: never anything we did not start.

const live = new Map<number, (() => void) | undefined>()
let installed = false

/** Sends SIGKILL to the process group led by `pid` (we spawn gateways detached, as group leaders), then to `pid`. */
export function killGroupNow(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    /* group already gone */
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    /* already gone */
  }
}

function killAll(): void {
  for (const [pid, cleanup] of live) {
    killGroupNow(pid)
    try {
      cleanup?.()
    } catch {
      /* best effort while exiting */
    }
  }
  live.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  killAll()
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal)
  // If nobody else listens, behave as if we never had: re-raise so the default action ends us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

/**
 * Remembers a started process group leader so it is killed if this process goes away first;
 * `onExitCleanup` (synchronous) then runs too.
 *
 * @example
 * const child = spawn(cmd, args, { detached: true })
 * registerChild(child.pid!, () => rmSync(tempDir, { recursive: true, force: true }))
 * child.on('exit', () => unregisterChild(child.pid!))
 */
export function registerChild(pid: number, onExitCleanup?: () => void): void {
  if (!installed) {
    installed = true
    process.on('exit', killAll)
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal)
  }
  live.set(pid, onExitCleanup)
}

/**
 * Forgets a process once it has exited.
 *
 * @example
 * child.on('exit', () => unregisterChild(pid))
 */
export function unregisterChild(pid: number): void {
  live.delete(pid)
}

/**
 * Whether a process (or, with `group`, any member of the process group `pid` leads) still exists.
 *
 * @example
 * await gateway.stop()
 * expect(isAlive(gateway.pid, { group: true })).toBe(false)
 */
export function isAlive(pid: number, opts: { group?: boolean } = {}): boolean {
  try {
    process.kill(opts.group ? -pid : pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
