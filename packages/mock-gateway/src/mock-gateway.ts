import type { MockAgent } from './agent.js'
import type { SuspensionPhase } from './gateway/suspension.js'
import type { RecordedRequest } from './gateway/gateway-core.js'
import type { ExecMode, MockFailure } from './options.js'
import type { MockHttpRequestRecord, MockUpgradeRequestRecord } from './gateway/traffic-records.js'

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
 * Options of {@link MockGateway.suspend}.
 *
 * @example
 * gateway.suspend({ drain: true }) // hold admission closed while the running runs finish
 */
export interface MockSuspendOptions {
  /** With runs active: drain (`draining`, then `prepared`) instead of answering `busy`. Default false. */
  drain?: boolean
}

/**
 * What {@link MockGateway.suspend} got: the `gateway.suspend.prepare` answer, as recorded on the real
 * gateway (`ready` / `draining` carry the lease's `suspensionId` and `expiresAtMs`).
 *
 * @example
 * const lease = gateway.suspend()
 * if (lease.status === 'ready') console.log(lease.suspensionId, lease.expiresAtMs)
 */
export interface MockSuspendResult {
  status: 'ready' | 'busy' | 'draining'
  suspensionId?: string
  expiresAtMs?: number
  activeCount?: number
  retryAfterMs?: number
  [field: string]: unknown
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
 * gateway.suspend({ drain: true })      // gateway.suspension draining → prepared; new work refused
 * gateway.resumeFromSuspension()         // accepting again
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
  /** Changes the exec policy (`'full'` or `'ask'`, see the `exec` option) for runs started from now on. */
  setExecMode(mode: ExecMode): void
  /** Open sockets and authenticated connections right now. */
  connectionCount(): MockConnectionCount
  /** Every open socket. */
  connections(): MockConnectionInfo[]
  /** Closes one connection with a close frame (default 1012); false if there is none with that id. */
  disconnect(connectionId: string, code?: number, reason?: string): boolean
  /**
   * Request frames received (connect included, its `auth` redacted), oldest first, the last 10 000.
   * A copy.
   */
  readonly requests: RecordedRequest[]
  /** Empties the request log. */
  clearRequests(): void
  /**
   * Resolves with the first logged request with this method (or matching the predicate), waiting up
   * to `timeoutMs` (default 5000).
   */
  waitForRequest(match: string | ((request: RecordedRequest) => boolean), timeoutMs?: number): Promise<RecordedRequest>
  /**
   * Cooperative host suspension, like a host controller's `gateway.suspend.prepare`: with no run active
   * admission closes at once (`preparing` → `prepared`); with runs active it answers `busy`
   * (`preparing` → `accepting`), or with `drain: true` closes admission while they finish (`draining`;
   * `prepared` once a `gateway.suspend.status` call finds them ended, as the real gateway does). Each
   * change is a `gateway.suspension {phase}` event to every connection and the phase new hellos carry;
   * while not `accepting` every method but `gateway.suspend.*` gets the recorded
   * `UNAVAILABLE` "<method> unavailable during gateway suspension". The lease ends after two minutes.
   * Throws the recorded "another gateway suspension is already prepared" while a lease is held.
   */
  suspend(options?: MockSuspendOptions): MockSuspendResult
  /** Ends the suspension lease (admission reopens: `accepting`); false if none was held. */
  resumeFromSuspension(): boolean
  /** The admission phase: `accepting`, `preparing`, `draining` or `prepared`. */
  readonly suspensionPhase: SuspensionPhase
  /** Sends an arbitrary event to every authenticated connection (with its per-connection `seq`). */
  emitEvent(event: string, payload: unknown): void
  /**
   * Plain HTTP requests received on any path (`{path, origin, authorized, hadCookie}`; `authorized` =
   * `Authorization: Bearer <token>`), oldest first, the last 10 000, kept across restarts. A copy.
   */
  httpRequests(): MockHttpRequestRecord[]
  /** WebSocket upgrade requests received on any path, refused ones included; like {@link httpRequests}. */
  upgradeRequests(): MockUpgradeRequestRecord[]
}
