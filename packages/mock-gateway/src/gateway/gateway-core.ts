import { randomBytes, randomUUID } from 'node:crypto'
import { AuthFailureThrottle } from '../connection/auth-throttle.js'
import { RunRegistry } from '../runs/chat-runs.js'
import type { ChatRun } from '../runs/chat-run.js'
import type { RunHost } from '../runs/run-host.js'
import type { GatewayConnection } from '../connection/connection.js'
import { buildHealthPayload, type HealthForm } from '../fixtures/health.js'
import { buildHelloOk } from '../connection/hello-ok.js'
import type { MockAgent } from '../agent.js'
import type { ResolvedFailure, ResolvedOptions } from '../options.js'
import { buildPresence } from '../connection/presence.js'
import { canRead } from '../connection/scopes.js'
import {
  buildSessionMessagePayload,
  buildSessionsChangedPayload,
  type SessionsChangedCause,
} from '../sessions/session-event-payloads.js'
import { SessionStore, type SessionRecord, type StoredMessage } from '../sessions/session-store.js'
import { ApprovalRegistry } from '../approvals/approval-registry.js'
import { QuestionRegistry } from '../questions/question-registry.js'
import type { ExecMode } from '../options.js'
import { GatewaySuspension } from './suspension.js'

/**
 * One request frame the gateway received, as the request log keeps it.
 *
 * @example
 * const sends = gateway.requests.filter((r) => r.method === 'chat.send')
 * expect(sends[0].params).toMatchObject({ sessionKey: expect.stringMatching(/^clawchat:/) })
 */
export interface RecordedRequest {
  /** `hello-ok.server.connId` of the connection that sent it. */
  connectionId: string
  /** The frame's `id`, as sent. */
  id: string
  method: string
  /** The frame's `params` (deep copy; `connect`'s `auth` values are replaced by `"[redacted]"`). */
  params: unknown
  receivedAt: number
}

/** Settings that can change while the gateway runs (`setAgent`, `setFailure`, …). */
export interface RuntimeSettings {
  agent: MockAgent
  failure: ResolvedFailure
  chunkDelayMs: number
  phaseDelayMs: number
  writeDelayMs: number
  execMode: ExecMode
}

/**
 * The request log keeps this many entries, dropping the oldest (a long demo or benchmark must not
 * grow without end).
 */
export const REQUEST_LOG_LIMIT = 10_000

type RequestWaiter = { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }

function redactConnectParams(params: unknown): unknown {
  const copy = structuredClone(params) as { auth?: Record<string, unknown> } | undefined
  if (copy && typeof copy === 'object' && copy.auth && typeof copy.auth === 'object') {
    for (const k of Object.keys(copy.auth)) copy.auth[k] = '[redacted]'
  }
  return copy
}

/**
 * The gateway without its listening socket: connections, sessions, runs, the request log and the
 * event fan-out. Survives `restart()` (sessions persist like the real gateway's sqlite; runs and the
 * idempotency cache do not).
 */
export class GatewayCore implements RunHost {
  readonly store = new SessionStore()
  readonly runs = new RunRegistry<ChatRun>()
  readonly connections = new Set<GatewayConnection>()
  readonly requests: RecordedRequest[] = []
  readonly settings: RuntimeSettings
  readonly throttle: AuthFailureThrottle
  /** Exec approvals (see approvals/approval-registry.ts). */
  readonly approvals: ApprovalRegistry
  /** `ask_user` questions (see questions/question-registry.ts). */
  readonly questions: QuestionRegistry
  /** Cooperative host suspension: the admission phase and its lease (see gateway/suspension.ts). */
  readonly suspension: GatewaySuspension = new GatewaySuspension(this)
  bootId = randomUUID()
  startedAt = Date.now()
  /** Until then connects get the startup `UNAVAILABLE` (see the `startupMs` option). */
  readyAt = 0
  readonly stateVersion = { presence: 1, health: 1 }
  stalled = false
  /**
   * From the start of a `close()`/`restart()` until the next boot: every request is refused with
   * `UNAVAILABLE` (the real gateway's drain), so no run can be accepted and then forgotten.
   */
  draining = false
  /**
   * Whether this boot has sent its one `chat.metadata.changed` (the real gateway sent one per boot,
   * at the first chat).
   */
  metadataAnnounced = false
  /** Where the gateway listens (host and bound port), set once listening. */
  endpoint = { host: '127.0.0.1', port: 0 }
  private readonly waiters = new Set<RequestWaiter>()

  constructor(readonly options: ResolvedOptions) {
    this.settings = {
      agent: options.agent,
      failure: options.failure,
      chunkDelayMs: options.chunkDelayMs,
      phaseDelayMs: options.phaseDelayMs,
      writeDelayMs: options.writeDelayMs,
      execMode: options.execMode,
    }
    this.throttle = new AuthFailureThrottle(options.authFailureDelay)
    this.approvals = new ApprovalRegistry(
      () => this.connected(),
      () => options.approvalTimeoutMs,
    )
    this.questions = new QuestionRegistry(
      () => this.connected(),
      () => options.timeScale,
    )
  }

  log(line: string): void {
    this.options.log(line)
  }

  /** Connections that completed `connect`. */
  connected(): GatewayConnection[] {
    return [...this.connections].filter((c) => c.isConnected)
  }

  /** Connected operators allowed to see the broadcast traffic (any of read/write/admin). */
  readers(): GatewayConnection[] {
    return this.connected().filter((c) => canRead(c.scopes))
  }

  broadcastChat(payload: Record<string, unknown>): void {
    for (const c of this.readers()) c.sendEvent('chat', payload)
  }

  broadcastAgent(payload: Record<string, unknown>): void {
    for (const c of this.readers()) c.sendEvent('agent', payload)
  }

  /**
   * Sends an `agent` `tool` event to the run's `chat.send` connection, only if it asked for
   * `caps:["tool-events"]` (TOOLS-AND-APPROVALS: nobody else gets them).
   */
  sendToolEvent(connectionId: string, payload: Record<string, unknown>): void {
    const conn = this.connected().find((c) => c.id === connectionId)
    if (conn && canRead(conn.scopes) && conn.caps.includes('tool-events')) conn.sendEvent('agent', payload)
  }

  /** Sends an event to every connected client (used for `tick`, `chat.metadata.changed`, custom events). */
  broadcastEvent(event: string, payload: unknown, to: 'connected' | 'readers' = 'connected'): void {
    for (const c of to === 'readers' ? this.readers() : this.connected()) c.sendEvent(event, payload)
  }

  emitSessionMessage(session: SessionRecord, message: StoredMessage): void {
    const targets = this.readers().filter((c) => c.sessionsSubscribed || c.messageSubscriptions.has(session.key))
    if (targets.length === 0) return
    const payload = buildSessionMessagePayload(session, message)
    for (const c of targets) c.sendEvent('session.message', payload)
  }

  emitSessionsChanged(session: SessionRecord, cause: SessionsChangedCause): void {
    const targets = this.readers().filter((c) => c.sessionsSubscribed)
    if (targets.length === 0) return
    const payload = buildSessionsChangedPayload(session, cause)
    for (const c of targets) c.sendEvent('sessions.changed', payload)
  }

  runFinished(runId: string): void {
    this.runs.complete(runId)
  }

  /** The `health` payload in the form of the method's answer, the event or the hello snapshot. */
  health(form: HealthForm): Record<string, unknown> {
    const now = Date.now()
    const recent = this.store
      .list()
      .slice(0, 10)
      .map((s) => ({ key: s.key, updatedAt: s.updatedAt, age: now - s.updatedAt }))
    return buildHealthPayload({
      now,
      sessions: { count: this.store.size, recent },
      form,
      schemaStrict: this.options.strictHelloOk,
    })
  }

  /** Sends the `health` event (frame-level `seq` and `stateVersion`, as after the real hello). */
  sendHealthEvent(conn: GatewayConnection): void {
    this.stateVersion.health += 1
    conn.sendEvent('health', this.health('event'), { stateVersion: { ...this.stateVersion } })
  }

  presence(): Record<string, unknown>[] {
    return buildPresence({
      instanceId: this.bootId,
      host: this.endpoint.host,
      connections: this.connections,
      now: Date.now(),
      schemaStrict: this.options.strictHelloOk,
    })
  }

  /** The `presence` event, after a device-signed client came or went. */
  broadcastPresence(): void {
    this.stateVersion.presence += 1
    const payload = { presence: this.presence() }
    for (const c of this.readers()) c.sendEvent('presence', payload, { stateVersion: { ...this.stateVersion } })
  }

  /** The `hello-ok` payload for a connection that just passed `connect`. */
  helloOk(conn: GatewayConnection, deviceToken?: { token: string; issuedAtMs: number }): Record<string, unknown> {
    if (!conn.identity) throw new Error('helloOk before identity')
    const host = this.endpoint.host.includes(':') ? `[${this.endpoint.host}]` : this.endpoint.host
    return buildHelloOk({
      identity: conn.identity,
      connId: conn.id,
      bootId: this.bootId,
      httpBase: `http://${host}:${this.endpoint.port}`,
      uptimeMs: Date.now() - this.startedAt,
      stateVersion: { ...this.stateVersion },
      presence: this.presence(),
      health: this.health('snapshot'),
      methods: this.methodNames,
      tickIntervalMs: this.options.tickIntervalMs,
      maxPayload: this.options.maxPayload,
      suspensionPhase: this.suspension.phase,
      token: this.options.token,
      ...(deviceToken ? { deviceToken } : {}),
      schemaStrict: this.options.strictHelloOk,
    })
  }

  /** Method names for `hello-ok.features.methods` (set by the method registry). */
  methodNames: readonly string[] = []

  /** A new device token for `hello-ok.auth.deviceToken`. */
  issueDeviceToken(): { token: string; issuedAtMs: number } {
    return { token: randomBytes(32).toString('base64url'), issuedAtMs: Date.now() }
  }

  /** Appends to the request log and wakes `waitForRequest` callers. */
  recordRequest(conn: GatewayConnection, frame: { id: string; method: string; params?: unknown }): void {
    const entry: RecordedRequest = {
      connectionId: conn.id,
      id: frame.id,
      method: frame.method,
      params: frame.method === 'connect' ? redactConnectParams(frame.params) : structuredClone(frame.params),
      receivedAt: Date.now(),
    }
    this.requests.push(entry)
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.splice(0, this.requests.length - REQUEST_LOG_LIMIT)
    for (const w of [...this.waiters]) {
      if (w.match(entry)) {
        this.waiters.delete(w)
        w.resolve(entry)
      }
    }
  }

  /** Resolves with the first request (already logged or future) matching `match`. */
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs: number): Promise<RecordedRequest> {
    const found = this.requests.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: RequestWaiter = {
        match,
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`waitForRequest: no matching request within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.add(waiter)
    })
  }

  /** Forgets runs and the idempotency cache and starts a new boot (after a crash or restart). */
  newBoot(): void {
    this.draining = false
    this.suspension.reset()
    for (const run of this.runs.activeRuns()) run.silence()
    this.runs.clear()
    this.approvals.clear()
    this.questions.clear()
    this.bootId = randomUUID()
    this.startedAt = Date.now()
    this.metadataAnnounced = false
  }
}
