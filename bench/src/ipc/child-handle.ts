/**
 * The driver's side of a child process: forks a bench child (TypeScript through tsx), talks to it
 * with small request/answer messages over the IPC channel, and stops it — politely first, then by
 * its own pid. Every call and every stop is bounded in time.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
/** The tsx loader, as a file URL for `--import` (works from any cwd). */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href

/** What a child answers to `sample`: its own CPU and memory, plus whatever it adds. */
export interface ChildSample {
  /** When the child took the sample: CLOCK_MONOTONIC µs (one clock for every process). */
  atUs: number
  /** `process.cpuUsage()` user + system, µs. */
  cpuUs: number
  /** `process.memoryUsage()`. */
  rss: number
  heapUsed: number
  /** Child-specific figures (connection counts, proxy stats, …). */
  extra: Record<string, unknown>
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }

/** A running bench child. */
export class ChildHandle {
  private nextId = 0
  private readonly pending = new Map<number, Pending>()
  private readonly exited: Promise<number | null>
  private exitCode: number | null | undefined
  private latest: ChildSample | undefined
  private sampleWaiters: Array<(sample: ChildSample) => void> = []

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null)
        for (const p of this.pending.values()) {
          clearTimeout(p.timer)
          p.reject(new Error(`${name}: child exited (${code ?? signal}) before answering`))
        }
        this.pending.clear()
        resolve(this.exitCode)
      })
    })
    child.on('message', (raw) => {
      const msg = raw as { id?: number; ok?: boolean; result?: unknown; error?: string; sample?: ChildSample }
      if (msg.sample) {
        this.latest = msg.sample
        const waiters = this.sampleWaiters
        this.sampleWaiters = []
        for (const wake of waiters) wake(msg.sample)
        return
      }
      if (typeof msg.id !== 'number') return
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(`${name}: ${msg.error ?? 'failed'}`))
    })
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.child.pid
  }

  /**
   * Forks `script` (a path relative to `src/children/`) with the tsx loader and `execArgv`, and
   * waits for its `ready` message (modules loaded; bounded by `timeoutMs`). The child does its work
   * when told `start` with its config, so several children can load their modules in parallel.
   *
   * @example
   * const mock = await ChildHandle.spawn('mock', 'mock-child.ts')
   * const { url } = await mock.call<{ url: string }>('start', { token: 't' })
   */
  static async spawn(
    name: string,
    script: string,
    options: { execArgv?: string[]; timeoutMs?: number } = {},
  ): Promise<ChildHandle> {
    const file = fileURLToPath(new URL(`../children/${script}`, import.meta.url))
    const child = fork(file, [], {
      execArgv: ['--import', TSX_LOADER, ...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    })
    const handle = new ChildHandle(name, child)
    const timeoutMs = options.timeoutMs ?? 30_000
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${timeoutMs} ms`)), timeoutMs)
      const onMessage = (raw: unknown) => {
        const msg = raw as { ready?: boolean; error?: string }
        if (msg.ready) {
          clearTimeout(timer)
          child.off('message', onMessage)
          resolve()
        } else if (msg.error) {
          clearTimeout(timer)
          reject(new Error(`${name}: ${msg.error}`))
        }
      }
      child.on('message', onMessage)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`${name}: exited (${code}) while starting`))
      })
    }).catch(async (error: unknown) => {
      await handle.kill()
      throw error
    })
    return handle
  }

  /** Sends a command and waits for its answer (bounded by `timeoutMs`). */
  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 30_000): Promise<T> {
    if (this.exitCode !== undefined) return Promise.reject(new Error(`${this.name}: child has exited`))
    const id = ++this.nextId
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.child.send({ id, cmd, args })
    })
  }

  /**
   * CPU and memory of the child: the next sample it pushes (every 100 ms; it is timestamped by
   * the child), or the latest one if none comes within `timeoutMs`.
   */
  sample(timeoutMs = 3000): Promise<ChildSample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.latest) resolve(this.latest)
        else reject(new Error(`${this.name}: no sample within ${timeoutMs} ms`))
      }, timeoutMs)
      this.sampleWaiters.push((sample) => {
        clearTimeout(timer)
        resolve(sample)
      })
    })
  }

  /**
   * Stops the child: `stop` (it closes its servers and exits by itself, which also writes a
   * `--cpu-prof` profile), then SIGKILL to its own pid if it is still there after `timeoutMs`.
   */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode
    this.call('stop', {}, timeoutMs).catch(() => undefined)
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref())
    const outcome = await Promise.race([this.exited, timer])
    if (outcome === 'timeout') return this.kill()
    return outcome
  }

  /** Kills the child by its pid (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<number | null> {
    if (this.exitCode === undefined && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000).unref())
    return Promise.race([this.exited, timer])
  }
}
