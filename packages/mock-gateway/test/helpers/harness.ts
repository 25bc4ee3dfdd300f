import { setTimeout as sleep } from 'node:timers/promises'
import { startMockGateway, type MockGateway, type MockGatewayOptions } from '../../src/index.js'
import { connectParams, RawClient } from './raw-client.js'

/** The token of every test gateway (the reference's was `secret123` too). */
export const TOKEN = 'secret123'

/**
 * Starts gateways and clients for one test and closes them all in `cleanup()` (call it from
 * `afterEach`). Gateways listen on 127.0.0.1, port 0, with fast timings unless overridden.
 */
export class Harness {
  private readonly gateways: MockGateway[] = []
  private readonly clients: RawClient[] = []
  private readonly cleanups: Array<() => Promise<void> | void> = []

  async gateway(options: Partial<MockGatewayOptions> = {}): Promise<MockGateway> {
    const gw = await startMockGateway({
      token: TOKEN,
      host: '127.0.0.1',
      port: 0,
      chunkDelayMs: 2,
      phaseDelayMs: 1,
      authFailureDelay: { initialMs: 20, maxMs: 160 },
      shutdownGraceMs: 500,
      ...options,
    })
    this.gateways.push(gw)
    return gw
  }

  async client(gw: MockGateway, opts: { origin?: string } = {}): Promise<RawClient> {
    const c = await RawClient.open(gw.url, opts)
    this.clients.push(c)
    return c
  }

  /** A client that completed `connect` (defaults: gateway-client/backend, read+write). */
  async connected(gw: MockGateway, overrides: Parameters<typeof connectParams>[0] = {}): Promise<RawClient> {
    const c = await this.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN, ...overrides }))
    if (!res.ok) throw new Error(`connect failed: ${JSON.stringify(res.error)}`)
    return c
  }

  /** Registers something else to undo in `cleanup()`. */
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn)
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.terminate()
    for (const fn of this.cleanups.splice(0)) await fn()
    await Promise.all(this.gateways.splice(0).map((g) => g.close()))
  }
}

/**
 * Waits until `check()` is true, polling every 10 ms (with `node:timers/promises`, which a test's fake
 * timers leave alone; so is `performance.now()`).
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const start = performance.now()
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}
