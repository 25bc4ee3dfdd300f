/**
 * The child's side of the IPC channel: answers the driver's commands, reports its own CPU and
 * memory, and exits when the driver goes away (so no child outlives a crashed benchmark).
 */
import type { Server } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { ChildSample } from './child-handle.js'

/** How often a child pushes its CPU and memory to the driver. */
export const SAMPLE_PUSH_MS = 100

const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()

/**
 * Command handlers: `start` gets the child's config and answers where it listens; `stop` must
 * close what the child opened (the child exits after it).
 */
export type CommandHandlers = Record<string, (args: any) => unknown> & {
  start: (config: any) => unknown
  stop: () => unknown
}

/** The child's own CPU (user + system, µs) and memory, with the moment it read them, plus `extra`. */
export function sampleSelf(extra: Record<string, unknown> = {}): ChildSample {
  const atUs = Number(process.hrtime.bigint() / 1000n)
  const cpu = process.cpuUsage()
  const mem = process.memoryUsage()
  // Event-loop delay since the last sample: how long this process kept work (and IPC) waiting.
  const loop = {
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
    loopDelayMaxMs: Math.round(loopDelay.max / 1e4) / 100,
  }
  loopDelay.reset()
  return { atUs, cpuUs: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, extra: { ...extra, ...loop } }
}

/**
 * Answers commands until `stop`, then exits 0, and tells the driver it is ready; pushes a sample
 * of its CPU and memory every {@link SAMPLE_PUSH_MS} (`sampleExtra` adds child-specific figures).
 * `gc` is built in (needs `--expose-gc`).
 *
 * @example
 * serveCommands({ start: (config) => listen(config), stop: () => server.close() }, () => ({ open: 3 }))
 */
export function serveCommands(
  handlers: CommandHandlers,
  sampleExtra: () => Record<string, unknown> | Promise<Record<string, unknown>> = () => ({}),
): void {
  const reply = (id: number, ok: boolean, payload: unknown) => {
    if (process.connected) process.send?.(ok ? { id, ok, result: payload } : { id, ok, error: payload })
  }
  process.on('message', async (raw) => {
    const { id, cmd, args } = raw as { id: number; cmd: string; args: unknown }
    try {
      if (cmd === 'gc') {
        const gc = (globalThis as { gc?: () => void }).gc
        if (gc) for (let i = 0; i < 3; i += 1) gc()
        await new Promise((resolve) => setTimeout(resolve, 50))
        return reply(id, true, { collected: gc !== undefined })
      }
      const handler = handlers[cmd]
      if (!handler) return reply(id, false, `unknown command ${cmd}`)
      const result = await handler(args)
      reply(id, true, result ?? null)
      if (cmd === 'stop') setImmediate(() => process.exit(0))
    } catch (error) {
      reply(id, false, error instanceof Error ? error.message : String(error))
      if (cmd === 'stop') setImmediate(() => process.exit(1))
    }
  })
  // Samples are pushed, not asked for: an overloaded child may read its inbound IPC late (seconds,
  // at the N=100 fan-out) while its timers and outbound messages still run every ~second or less.
  const push = setInterval(() => {
    void Promise.resolve(sampleExtra())
      .then((extra) => {
        if (process.connected) process.send?.({ sample: sampleSelf(extra) })
      })
      .catch(() => undefined)
  }, SAMPLE_PUSH_MS)
  push.unref()
  // The driver died or disconnected: nobody will stop us, so stop now.
  process.on('disconnect', () => {
    Promise.resolve()
      .then(() => handlers.stop())
      .catch(() => undefined)
      .finally(() => process.exit(0))
    setTimeout(() => process.exit(0), 3000).unref()
  })
  process.send?.({ ready: true })
}

/**
 * Listens on a free loopback port and answers the child's `ws://` URL there.
 *
 * @example
 * return { url: await listenOnLoopback(http) }
 */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return `ws://127.0.0.1:${port}`
}
