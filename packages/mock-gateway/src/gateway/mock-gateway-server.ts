import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { MockAgent } from '../agent.js'
import type { GatewayConnection } from '../connection/connection.js'
import { demoAgent } from '../demo-agent.js'
import type { GatewayCore, RecordedRequest } from './gateway-core.js'
import { HttpListener } from './http-listener.js'
import { TrafficRecords, type MockHttpRequestRecord, type MockUpgradeRequestRecord } from './traffic-records.js'
import { METHODS } from '../methods/registry.js'
import type {
  MockConnectionCount,
  MockConnectionInfo,
  MockGateway,
  MockRestartOptions,
  MockSuspendOptions,
  MockSuspendResult,
} from '../mock-gateway.js'
import type { SuspensionPhase } from './suspension.js'
import { resolveExecMode, resolveFailure, type ExecMode, type MockFailure } from '../options.js'
import { acceptSocket } from '../connection/socket-session.js'

type Phase = 'up' | 'stopping' | 'closed' | 'crashed'

/** What the `shutdown` event says. */
interface ShutdownEvent {
  reason: string
  restartExpectedMs?: number
}

function nonNegative(name: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
    throw new TypeError(
      `MockGateway.${name}: expected a non-negative integer of milliseconds, got ${JSON.stringify(ms)}`,
    )
  }
  return ms
}

/** Resolves once every connection's socket is closed; past `timeoutMs` the stragglers are dropped. */
async function waitClosed(conns: GatewayConnection[], timeoutMs: number): Promise<void> {
  const open = conns.filter((c) => c.ws.readyState !== c.ws.CLOSED)
  if (open.length === 0) return
  const allClosed = Promise.all(open.map((c) => new Promise((resolve) => c.ws.once('close', resolve))))
  const timer = new AbortController()
  const timedOut = sleep(timeoutMs, true, { signal: timer.signal }).catch(() => false)
  if (await Promise.race([allClosed.then(() => false), timedOut])) {
    for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.terminate()
  }
  timer.abort()
}

/** Resolves when every run has ended, or after `graceMs` (whichever comes first). */
async function runsEnded(done: Promise<void>[], graceMs: number): Promise<void> {
  const timer = new AbortController()
  await Promise.race([Promise.all(done), sleep(graceMs, undefined, { signal: timer.signal }).catch(() => {})])
  timer.abort()
}

/**
 * {@link MockGateway} over a {@link GatewayCore}: the listening socket, the `tick` timer, the life
 * cycle (close, restart, crash, each serialised) and the test hooks.
 */
export class MockGatewayServer implements MockGateway {
  private phase: Phase = 'closed'
  private tickTimer: NodeJS.Timeout | undefined
  private readonly listener: HttpListener
  private readonly records: TrafficRecords
  private boundPort: number
  private transition: Promise<void> = Promise.resolve()

  constructor(private readonly core: GatewayCore) {
    this.records = new TrafficRecords(core.options.token)
    this.listener = new HttpListener(core.options.maxPayload, (ws, req) => acceptSocket(core, ws, req), {
      controlUi: core.options.controlUi,
      records: this.records,
    })
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

  private async shutdown(event: ShutdownEvent): Promise<void> {
    if (this.phase !== 'up') return
    this.phase = 'stopping'
    // From here on every request is refused (UNAVAILABLE, retryable), as the real gateway does once
    // SIGTERM starts its drain: only the runs accepted before this point remain, and they finish.
    // New sockets get HTTP 503 meanwhile, like the real gateway's.
    this.core.draining = true
    this.listener.refuseUpgrades()
    const runs = this.core.runs.activeRuns()
    if (runs.length > 0) {
      await runsEnded(
        runs.map((r) => r.done),
        this.core.options.shutdownGraceMs,
      )
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

  setExecMode(mode: ExecMode): void {
    this.core.settings.execMode = resolveExecMode(mode, 'MockGateway.setExecMode: mode')
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

  httpRequests(): MockHttpRequestRecord[] {
    return this.records.http.map((r) => ({ ...r }))
  }

  upgradeRequests(): MockUpgradeRequestRecord[] {
    return this.records.upgrades.map((r) => ({ ...r }))
  }

  waitForRequest(match: string | ((request: RecordedRequest) => boolean), timeoutMs = 5000): Promise<RecordedRequest> {
    const predicate = typeof match === 'string' ? (r: RecordedRequest) => r.method === match : match
    return this.core.waitForRequest(predicate, timeoutMs)
  }

  suspend(options: MockSuspendOptions = {}): MockSuspendResult {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('MockGateway.suspend: options must be an object like { drain: true }')
    if (options.drain !== undefined && typeof options.drain !== 'boolean')
      throw new TypeError(`MockGateway.suspend: option "drain" must be a boolean, got ${JSON.stringify(options.drain)}`)
    return this.core.suspension.prepare(`mock-${randomUUID()}`, options.drain === true) as MockSuspendResult
  }

  resumeFromSuspension(): boolean {
    return this.core.suspension.endLease()
  }

  get suspensionPhase(): SuspensionPhase {
    return this.core.suspension.phase
  }

  emitEvent(event: string, payload: unknown): void {
    if (typeof event !== 'string' || event === '')
      throw new TypeError('MockGateway.emitEvent: event must be a non-empty string')
    this.core.broadcastEvent(event, payload)
  }
}
