import type { MockAgent } from './agent.js'
import type { GatewayConnection } from './connection.js'
import { demoAgent } from './demo-agent.js'
import { GatewayCore, type RecordedRequest } from './gateway-core.js'
import { HttpListener } from './http-listener.js'
import { METHODS } from './methods/registry.js'
import { resolveFailure, resolveOptions, type MockFailure, type MockGatewayOptions } from './options.js'
import { acceptSocket } from './socket-session.js'

/**
 * A connection as {@link MockGateway.connections} describes it.
 *
 * @example
 * const [link] = gateway.connections().filter((c) => c.authenticated)
 * expect(link.scopes).toContain('operator.admin')
 */
export interface MockConnectionInfo {
  /** `hello-ok.server.connId`; also `RecordedRequest.connectionId`. */
  id: string
  /** True once `connect` succeeded. */
  authenticated: boolean
  clientId?: string
  clientMode?: string
  scopes: string[]
  deviceId?: string
  remoteAddress: string
  origin?: string
  sessionsSubscribed: boolean
}

/**
 * Counts of open sockets and of those that completed `connect`.
 *
 * @example
 * expect(gateway.connectionCount()).toEqual({ open: 1, authenticated: 1 }) // one upstream link
 */
export interface MockConnectionCount {
  open: number
  authenticated: number
}

/**
 * Options of {@link MockGateway.restart}.
 *
 * @example
 * await gateway.restart({ downMs: 500 }) // refuse connections for half a second
 */
export interface MockRestartOptions {
  /** Stay down this long (ms) between the close and listening again; default 0. */
  downMs?: number
}

/**
 * A running mock gateway. Returned by {@link startMockGateway}.
 *
 * @example
 * const gateway = await startMockGateway({ token: 'secret' })
 * gateway.stall()                       // stop reading: the client's writes back up
 * gateway.resume()
 * await gateway.crash()                 // clients see 1006, the port refuses connections
 * await gateway.restart()               // same port, new bootId
 * const send = await gateway.waitForRequest('chat.send')
 * console.log(send.params, gateway.connectionCount())
 * await gateway.close()                 // shutdown event, then 1012
 */
export interface MockGateway {
  /** `ws://host:port` to connect to. */
  readonly url: string
  readonly host: string
  /** The bound port (stable across `restart()`). */
  readonly port: number
  /** Whether the port is accepting connections (false after `close()`/`crash()`). */
  readonly listening: boolean
  /** `hello-ok.server.bootId`; changes on every `restart()`. */
  readonly bootId: string
  /**
   * Graceful stop like SIGTERM on the real gateway: stops accepting, lets running chats finish (up to
   * `shutdownGraceMs`), sends the `shutdown` event, closes every socket with 1012. Idempotent.
   */
  close(): Promise<void>
  /** `close()` (if running), then listens again on the same port with a new `bootId`. Sessions survive. */
  restart(options?: MockRestartOptions): Promise<void>
  /**
   * Like a killed process: every socket is dropped without a close frame (clients see 1006), running
   * runs vanish silently, and the port refuses connections until `restart()`.
   */
  crash(): Promise<void>
  /** Stops reading from every socket (current and new) so clients' writes back up. */
  stall(): void
  /** Reads again after {@link MockGateway.stall}. */
  resume(): void
  readonly stalled: boolean
  /** Delay (ms) before each frame the gateway writes, per connection; 0 turns it off. */
  setWriteDelay(ms: number): void
  /** Replaces the reply agent for runs started from now on; `undefined` restores the demo agent. */
  setAgent(agent: MockAgent | undefined): void
  /** Changes the failure mode for runs started from now on. */
  setFailure(failure: MockFailure): void
  /** Changes the pause between reply chunks for runs started from now on. */
  setChunkDelay(ms: number): void
  /** Open sockets and authenticated connections right now. */
  connectionCount(): MockConnectionCount
  /** Every open socket. */
  connections(): MockConnectionInfo[]
  /** Closes one connection with a close frame (default 1012); false if there is none with that id. */
  disconnect(connectionId: string, code?: number, reason?: string): boolean
  /** Request frames received (connect included, its `auth` redacted), oldest first, the last 10 000. A copy. */
  readonly requests: RecordedRequest[]
  /** Empties the request log. */
  clearRequests(): void
  /** Resolves with the first logged request with this method (or matching the predicate), waiting up to `timeoutMs` (default 5000). */
  waitForRequest(match: string | ((request: RecordedRequest) => boolean), timeoutMs?: number): Promise<RecordedRequest>
  /** Sends an arbitrary event to every authenticated connection (with its per-connection `seq`). */
  emitEvent(event: string, payload: unknown): void
}

type Phase = 'up' | 'stopping' | 'closed' | 'crashed'

function nonNegative(name: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
    throw new TypeError(
      `MockGateway.${name}: expected a non-negative integer of milliseconds, got ${JSON.stringify(ms)}`,
    )
  }
  return ms
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function waitClosed(conns: GatewayConnection[], timeoutMs: number): Promise<void> {
  const open = conns.filter((c) => c.ws.readyState !== c.ws.CLOSED)
  if (open.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    let left = open.length
    const timer = setTimeout(() => {
      for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.terminate()
      resolve()
    }, timeoutMs)
    for (const c of open) {
      c.ws.once('close', () => {
        left -= 1
        if (left === 0) {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })
}

class MockGatewayServer implements MockGateway {
  private phase: Phase = 'closed'
  private tickTimer: NodeJS.Timeout | undefined
  private readonly listener: HttpListener
  private boundPort: number
  private transition: Promise<void> = Promise.resolve()

  constructor(private readonly core: GatewayCore) {
    this.listener = new HttpListener(core.options.maxPayload, (ws, req) => acceptSocket(core, ws, req))
    this.boundPort = core.options.port
    core.methodNames = [...METHODS.keys()]
  }

  get host(): string {
    return this.core.options.host
  }

  get port(): number {
    return this.boundPort
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host
    return `ws://${h}:${this.boundPort}`
  }

  get listening(): boolean {
    return this.phase === 'up'
  }

  get bootId(): string {
    return this.core.bootId
  }

  get stalled(): boolean {
    return this.core.stalled
  }

  get requests(): RecordedRequest[] {
    return [...this.core.requests]
  }

  async start(): Promise<void> {
    this.boundPort = await this.listener.listen(this.boundPort, this.host)
    this.core.endpoint = { host: this.host, port: this.boundPort }
    this.core.readyAt = Date.now() + this.core.options.startupMs
    this.phase = 'up'
    this.tickTimer = setInterval(
      () => this.core.broadcastEvent('tick', { ts: Date.now() }),
      this.core.options.tickIntervalMs,
    )
    this.tickTimer.unref()
    this.core.log(`mock gateway listening on ${this.url}`)
  }

  /** Serialises close/restart/crash so overlapping calls don't interleave. */
  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step, step)
    this.transition = next.catch(() => {})
    return next
  }

  close(): Promise<void> {
    return this.serial(() => this.shutdown({ reason: 'gateway stopping' }))
  }

  restart(options: MockRestartOptions = {}): Promise<void> {
    const downMs = nonNegative('restart downMs', options.downMs ?? 0)
    return this.serial(async () => {
      if (this.phase === 'up') await this.shutdown({ reason: 'gateway restarting', restartExpectedMs: downMs })
      if (downMs > 0) await sleep(downMs)
      this.core.newBoot()
      await this.start()
    })
  }

  crash(): Promise<void> {
    return this.serial(async () => {
      if (this.phase !== 'up') return
      this.phase = 'crashed'
      this.stopTicks()
      for (const run of this.core.runs.activeRuns()) run.silence()
      for (const conn of [...this.core.connections]) conn.terminate()
      await this.listener.stop(true)
      this.core.newBoot()
      this.core.log('mock gateway crashed')
    })
  }

  private async shutdown(event: { reason: string; restartExpectedMs?: number }): Promise<void> {
    if (this.phase !== 'up') return
    this.phase = 'stopping'
    // From here on every request is refused (UNAVAILABLE, retryable), as the real gateway does once
    // SIGTERM starts its drain: only the runs accepted before this point remain, and they finish.
    // New sockets get HTTP 503 meanwhile, like the real gateway's.
    this.core.draining = true
    this.listener.refuseUpgrades()
    const runs = this.core.runs.activeRuns()
    if (runs.length > 0) {
      await Promise.race([Promise.all(runs.map((r) => r.done)), sleep(this.core.options.shutdownGraceMs)])
      // Past the grace period (the real gateway's budget is 325 s): what still runs is cut off.
      for (const run of this.core.runs.activeRuns()) run.silence()
    }
    const stopping = this.listener.stop(false)
    this.stopTicks()
    const conns = [...this.core.connections]
    for (const conn of conns) {
      conn.ws.resume()
      if (conn.isConnected) conn.sendEvent('shutdown', event)
      // The real gateway closes with this reason whatever the shutdown event says (measured by
      // e2e/real-gateway/mock-fidelity.test.ts).
      conn.close(1012, 'service restart')
    }
    await waitClosed(conns, 2000)
    await stopping
    this.phase = 'closed'
    this.core.log(`mock gateway closed (${event.reason})`)
  }

  private stopTicks(): void {
    if (this.tickTimer) clearInterval(this.tickTimer)
    this.tickTimer = undefined
  }

  stall(): void {
    this.core.stalled = true
    for (const conn of this.core.connections) conn.ws.pause()
  }

  resume(): void {
    this.core.stalled = false
    for (const conn of this.core.connections) conn.ws.resume()
  }

  setWriteDelay(ms: number): void {
    this.core.settings.writeDelayMs = nonNegative('setWriteDelay', ms)
  }

  setAgent(agent: MockAgent | undefined): void {
    if (agent !== undefined && typeof agent !== 'function') {
      throw new TypeError('MockGateway.setAgent: expected a function (message, context) => chunks, or undefined')
    }
    this.core.settings.agent = agent ?? demoAgent
  }

  setFailure(failure: MockFailure): void {
    this.core.settings.failure = resolveFailure(failure, 'MockGateway.setFailure')
  }

  setChunkDelay(ms: number): void {
    this.core.settings.chunkDelayMs = nonNegative('setChunkDelay', ms)
  }

  connectionCount(): MockConnectionCount {
    const all = [...this.core.connections]
    return { open: all.length, authenticated: all.filter((c) => c.isConnected).length }
  }

  connections(): MockConnectionInfo[] {
    return [...this.core.connections].map((c) => ({
      id: c.id,
      authenticated: c.isConnected,
      ...(c.identity ? { clientId: c.identity.clientId, clientMode: c.identity.clientMode } : {}),
      scopes: [...c.scopes],
      ...(c.identity?.deviceId ? { deviceId: c.identity.deviceId } : {}),
      remoteAddress: c.remoteAddress,
      ...(c.origin !== undefined ? { origin: c.origin } : {}),
      sessionsSubscribed: c.sessionsSubscribed,
    }))
  }

  disconnect(connectionId: string, code = 1012, reason = ''): boolean {
    const conn = [...this.core.connections].find((c) => c.id === connectionId)
    if (!conn) return false
    conn.close(code, reason)
    return true
  }

  clearRequests(): void {
    this.core.requests.length = 0
  }

  waitForRequest(match: string | ((request: RecordedRequest) => boolean), timeoutMs = 5000): Promise<RecordedRequest> {
    const predicate = typeof match === 'string' ? (r: RecordedRequest) => r.method === match : match
    return this.core.waitForRequest(predicate, timeoutMs)
  }

  emitEvent(event: string, payload: unknown): void {
    if (typeof event !== 'string' || event === '')
      throw new TypeError('MockGateway.emitEvent: event must be a non-empty string')
    this.core.broadcastEvent(event, payload)
  }
}

/**
 * Starts a mock OpenClaw gateway (protocol v4) in this process: the real gateway's handshake,
 * errors, chat runs and session methods, as recorded in `test/fixtures/reference/`. Resolves once it is
 * listening. Options are checked first; a bad one throws a `TypeError` naming it.
 *
 * @example
 * import { startMockGateway } from '@clawchat/mock-gateway'
 *
 * const gateway = await startMockGateway({ token: 'secret', tickIntervalMs: 1000 })
 * // connect a client to gateway.url with token 'secret', then:
 * gateway.setFailure('model-error') // the next chat.send fails like a model error
 * await gateway.restart()           // same port, new bootId
 * await gateway.close()
 */
export async function startMockGateway(options: MockGatewayOptions): Promise<MockGateway> {
  const core = new GatewayCore(resolveOptions(options))
  const server = new MockGatewayServer(core)
  await server.start()
  return server
}
