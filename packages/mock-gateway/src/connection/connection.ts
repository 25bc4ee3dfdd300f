import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { WebSocket } from 'ws'
import { OWNER_PROFILE_ID } from '../fixtures/gateway-identity.js'
import type { GatewayErrorShape } from '../gateway/errors.js'

/**
 * Whether the gateway treats this client as its owner's user profile: device-signed and not a
 * `backend` client (those got no `recipientProfileId` and no sender profile in history, as recorded).
 */
export function hasUserProfile(identity: ConnectionIdentity | undefined): boolean {
  return identity?.deviceId !== undefined && identity.clientMode !== 'backend'
}

/** Who a connection is after a successful `connect`. */
export interface ConnectionIdentity {
  clientId: string
  clientMode: string
  clientVersion: string
  platform: string
  role: string
  scopes: string[]
  /** Set when the connect carried a valid signed device identity. */
  deviceId?: string
  /** `connect.caps` as sent (`tool-events`, `exec-approvals`, `approvals`, …). */
  caps: string[]
}

/** Where a connection is in its life. */
export type ConnectionPhase = 'handshake' | 'authenticating' | 'connected' | 'closed'

/** The largest close reason a WebSocket close frame can carry, in bytes. */
const MAX_CLOSE_REASON_BYTES = 123

/** Cuts a close reason to what fits in a close frame (123 bytes of UTF-8). */
export function fitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason
  let out = reason
  while (Buffer.byteLength(out) > MAX_CLOSE_REASON_BYTES) out = out.slice(0, -1)
  return out
}

/**
 * One client socket: its handshake state, identity, subscriptions, the per-connection frame `seq`
 * counter, and an ordered outbound queue that can be slowed down (`writeDelayMs`) to test
 * backpressure. All writes and the final close go through the same queue, so an error response is
 * always on the wire before the close frame that follows it.
 */
export class GatewayConnection {
  /** `hello-ok.server.connId`; also the run owner for token-only clients. */
  readonly id = randomUUID()
  readonly openedAt = Date.now()
  readonly challenge = { nonce: randomUUID(), ts: Date.now() }
  phase: ConnectionPhase = 'handshake'
  identity: ConnectionIdentity | undefined
  /** Opted in with `sessions.subscribe`: receives `sessions.changed` and every `session.message`. */
  sessionsSubscribed = false
  /** Canonical keys opted in with `sessions.messages.subscribe`. */
  readonly messageSubscriptions = new Set<string>()

  private seq = 0
  private tail: Promise<void> = Promise.resolve()
  private queued = 0

  constructor(
    readonly ws: WebSocket,
    readonly remoteAddress: string,
    readonly origin: string | undefined,
    private readonly writeDelayMs: () => number,
  ) {}

  /** The run owner: the device id for device-signed clients, the connection id otherwise. */
  get ownerId(): string {
    return this.identity?.deviceId ?? this.id
  }

  get isConnected(): boolean {
    return this.phase === 'connected'
  }

  /** The caps sent at `connect` (empty before it). */
  get caps(): readonly string[] {
    return this.identity?.caps ?? []
  }

  /** The scopes granted at `connect` (empty before it). */
  get scopes(): readonly string[] {
    return this.identity?.scopes ?? []
  }

  /** Sends a frame as JSON, in order, after the configured write delay. */
  send(frame: object): void {
    this.enqueue(() => {
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame))
    })
  }

  /**
   * Sends an event frame with the next per-connection `seq` (the challenge, sent before `connect`,
   * carries none). Device-signed recipients also get the top-level `recipientProfileId` the real
   * gateway adds (SESSIONS-AND-BROADCAST Q2) — except `backend` clients, which have no user profile
   * (recorded 2026-12-03/04: a device-signed `gateway-client`/`backend` never got one, TOOLS-AND-APPROVALS).
   */
  sendEvent(event: string, payload: unknown, extra?: { stateVersion?: { presence: number; health: number } }): void {
    if (this.phase === 'closed') return
    this.seq += 1
    const frame: Record<string, unknown> = { type: 'event', event, payload, seq: this.seq }
    if (extra?.stateVersion) frame.stateVersion = extra.stateVersion
    if (hasUserProfile(this.identity)) frame.recipientProfileId = OWNER_PROFILE_ID
    this.send(frame)
  }

  /** Answers a request with `ok:true`. */
  respond(id: unknown, payload: unknown): void {
    this.send({ type: 'res', id, ok: true, payload })
  }

  /** Answers a request with `ok:false`. */
  respondError(id: unknown, error: GatewayErrorShape): void {
    this.send({ type: 'res', id, ok: false, error })
  }

  /** Closes with a close frame once everything queued before it has been written. */
  close(code: number, reason = ''): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    this.enqueue(() => {
      if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
        this.ws.close(code, fitCloseReason(reason))
      }
    })
  }

  /** Drops the TCP connection at once, without a close frame (the peer sees 1006). */
  terminate(): void {
    this.phase = 'closed'
    this.ws.terminate()
  }

  private enqueue(write: () => void): void {
    const delay = this.writeDelayMs()
    if (delay <= 0 && this.queued === 0) {
      write()
      return
    }
    this.queued += 1
    this.tail = this.tail
      .then(() => (delay > 0 ? sleep(delay) : undefined))
      .then(() => {
        this.queued -= 1
        write()
      })
      .catch(() => {
        this.queued -= 1
      })
  }
}
