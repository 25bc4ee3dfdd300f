/**
 * One browser socket, speaking OpenClaw's own frames (docs/ARCHITECTURE.md "The wire"). A small
 * facade over its three parts: the {@link Inbox} (frames read and admitted: text only, the rate
 * meters, arrival order), the {@link BrowserSession} (the challenge's answer — `connect` or an
 * implicit one — then requests relayed through the policy to the link, `cancel`s, ticks, the
 * gateway's state) and the {@link Outbox} (`seq` per connection, a turn's frames in one write, the
 * outbound high-water mark: a slow consumer is closed with 1013, never waited for). The facade owns
 * the socket's life: the challenge, the lifetime limit, closing, and the audit lines of both ends.
 */
import { randomUUID } from 'node:crypto'
import type { WebSocket } from 'ws'
import { CloseCodes, type ClawChatUser, type ErrorShape } from '@clawchat/protocol'
import type { SavedUpgradeRequest } from '../gate/reauthenticate.js'
import type { SessionStoreLike } from '../gate/session-check.js'
import type { RoutableConnection } from '../isolation/router.js'
import type { RoutedEvent } from '../isolation/routed-event.js'
import { closeReason } from '../common/errors.js'
import type { ConnectionDeps, ConnectionOrigin } from './connection-deps.js'
import { Inbox, type AdmittedFrame, type InboxHost } from './inbox.js'
import { LeanEncoder } from './lean-encoder.js'
import { corkable, Outbox } from './outbox.js'
import { BrowserSession } from './session.js'

export type { ConnectionDeps, ConnectionOrigin } from './connection-deps.js'
export type { LinkView } from './link-view.js'

/** How long a closing socket may take to answer the close handshake before it is dropped. */
const CLOSE_GRACE_MS = 2000

/**
 * One browser connection.
 *
 * @example
 * const conn = new ClientConnection(ws, user, { sessionId, sessionStore, origin, ip, socket }, deps)
 * registry.add(conn)
 * conn.sendEvent('chat', payload) // once the handshake is done
 * conn.close(CloseCodes.LOGGED_OUT, 'logged out')
 */
export class ClientConnection implements RoutableConnection, InboxHost {
  readonly connId = randomUUID()
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: SessionStoreLike | undefined
  /** For the login check of a socket without an app session: what `authenticate` reads of its upgrade. */
  readonly upgradeRequest: SavedUpgradeRequest | undefined
  /** When the socket was accepted (ms since the epoch). */
  readonly openedAt = Date.now()
  /** `ended`, made when first asked for (most connections are never asked: no promise each). */
  private endedPromise: Promise<void> | undefined
  private socketClosed: (() => void) | undefined
  private hasEnded = false
  private readonly outbox: Outbox
  private readonly inbox: Inbox
  private readonly session: BrowserSession
  /** The connection's shape of routed events (lean or OpenClaw's), made with the first one. */
  private encoder: LeanEncoder | undefined
  private lifetimeTimer: NodeJS.Timeout | null = null
  private closing: { code: number; why: string } | null = null

  constructor(
    private readonly ws: WebSocket,
    readonly user: ClawChatUser,
    from: ConnectionOrigin,
    private readonly deps: ConnectionDeps,
  ) {
    this.userId = user.id
    this.sessionId = from.sessionId
    this.sessionStore = from.sessionStore
    this.upgradeRequest = from.upgradeRequest
    this.outbox = new Outbox({
      socket: ws,
      raw: corkable(from.socket, ws),
      redact: deps.redact,
      highWaterMark: deps.limits.outboundHighWaterMark,
      onSlowConsumer: (buffered) => this.slowConsumer(buffered),
      metrics: deps.metrics,
    })
    this.session = new BrowserSession(this.connId, user, deps, this.outbox, (code, why) => this.close(code, why))
    this.inbox = new Inbox(this, deps)
    ws.on('message', (data, isBinary) => this.inbox.receive(data, isBinary))
    ws.on('close', (code, why) => this.onSocketClosed(code, why.toString()))
    ws.on('error', (error) =>
      deps.log.debug(`clawchat: browser socket error: ${error.message}`, { connId: this.connId }),
    )
    const { maxLifetimeMs } = deps.limits
    if (maxLifetimeMs > 0) {
      this.lifetimeTimer = setTimeout(
        () => this.close(CloseCodes.MAX_LIFETIME, 'maximum connection lifetime reached; reconnect'),
        maxLifetimeMs,
      )
      this.lifetimeTimer.unref?.()
    }
    const { origin, ip } = from
    deps.audit.record({ event: 'connection.open', userId: this.userId, connId: this.connId, origin, ip })
    this.outbox.send({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } })
  }

  /** Resolves once the socket is closed (and its audit line written). */
  get ended(): Promise<void> {
    if (this.hasEnded) return Promise.resolve()
    return (this.endedPromise ??= new Promise((resolve) => (this.socketClosed = resolve)))
  }

  /** True once `hello-ok` (or the implicit connect) has happened. */
  get isReady(): boolean {
    return this.session.isReady
  }

  /** Closes the socket with a close code of `@clawchat/protocol`. */
  close(code: number, why: string): void {
    if (this.session.isClosed) return
    this.closing = { code, why }
    this.outbox.flush() // the frames of this turn go first, and the close frame is not held back
    this.ws.close(code, closeReason(why))
    this.shutdown()
    // A peer that never answers the close handshake (or never reads it) must not keep the socket.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref?.()
  }

  /** Drops the socket without a close handshake (it stopped answering pings, or the proxy stops). */
  terminate(why: string): void {
    if (!this.session.isClosed) {
      this.closing = { code: 1006, why }
      this.shutdown()
    }
    this.outbox.flush()
    this.ws.terminate()
  }

  /**
   * The known `caps` the browser named in `connect` (`tool-events`, `exec-approvals`,
   * `plugin-approvals`, `approvals`): which of its user's tool and approval events it receives.
   * Empty before `connect`, and for a client that skipped it.
   */
  get caps(): readonly string[] {
    return this.session.caps
  }

  /** Sends an event, numbering its `seq`; events before the handshake are dropped. */
  sendEvent(event: string, payload: unknown): void {
    this.session.sendEvent(event, payload)
  }

  /** Sends a routed event in this connection's shape (lean or OpenClaw's); dropped before the handshake. */
  sendRouted(routed: RoutedEvent): void {
    if (!this.session.isReady) return
    this.encoder ??= new LeanEncoder(this.outbox, this.deps.redact, () => this.session.caps)
    this.encoder.deliver(routed)
  }

  /**
   * Tells the browser what became of the gateway (once per change): `down` (the proxy retries; the
   * SDK waits), `misconfigured` (a person must act; the SDK fails what waits) or `up` again. Users
   * get a plain sentence; admins also what the gateway said and what to do (never the token).
   */
  gatewayChanged(): void {
    this.session.gatewayChanged()
  }

  /**
   * The inbox's host is the connection itself (a host object of its own, with a getter and five
   * closures, cost each idle connection ~0.8 KiB): {@link InboxHost.isClosed}.
   */
  get isClosed(): boolean {
    return this.session.isClosed
  }

  /** {@link InboxHost.admit}: a frame the inbox admitted goes to the session. */
  admit(frame: AdmittedFrame): void {
    this.session.handle(frame)
  }

  /** {@link InboxHost.answerError}: a frame the inbox refused is answered. */
  answerError(id: string, error: ErrorShape): void {
    this.outbox.respondError(id, error)
  }

  /** The browser does not read fast enough: closed, never waited for. */
  private slowConsumer(bufferedBytes: number): void {
    this.deps.log.warn('clawchat: closing a slow browser connection (outbound queue over its high-water mark)', {
      connId: this.connId,
      userId: this.userId,
      bufferedBytes,
    })
    if (!this.session.isClosed) this.deps.metrics?.slowConsumer()
    this.close(CloseCodes.SLOW_CONSUMER, 'slow consumer: reconnect and resync')
  }

  /** A bug must cost this connection, never the process ({@link InboxHost.failed}). */
  failed(error: unknown): void {
    const why = error instanceof Error ? (error.stack ?? error.message) : String(error)
    this.deps.log.error(`clawchat: a browser frame could not be handled: ${why}`, { connId: this.connId })
    this.close(1011, 'internal error')
  }

  private shutdown(): void {
    if (this.session.isClosed) return
    this.session.end()
    if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer)
    this.lifetimeTimer = null
    this.inbox.clear()
    this.deps.onClosed(this)
  }

  private onSocketClosed(code: number, why: string): void {
    this.shutdown()
    const { frames, invalidFrames, rateLimited } = this.inbox.counts
    this.deps.audit.record({
      event: 'connection.close',
      userId: this.userId,
      connId: this.connId,
      code: this.closing?.code ?? code,
      reason: (this.closing?.why ?? why) || undefined,
      by: this.closing ? 'server' : 'client',
      ms: Date.now() - this.openedAt,
      frames,
      invalidFrames,
      rateLimited,
    })
    this.hasEnded = true
    this.socketClosed?.()
  }
}
