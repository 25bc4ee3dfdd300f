/**
 * Closing browser connections on the app's word (4401): a user's (`disconnectUser`, or another
 * instance's), an app session's (`disconnectSession`, a logout), or an ended session's with an audit
 * line per user (the logout check, a destroyed session, Redis keyspace events), or one socket whose
 * login `authenticate` no longer confirms (the login check of sockets without an app session).
 */
import { CloseCodes } from '@clawchat/protocol'
import type { Audit } from '../audit/audit.js'
import type { ConnectionRegistry } from './registry.js'

/** What {@link Disconnects} closes: an open browser connection. */
export interface ClosableConnection {
  readonly connId: string
  readonly userId: string
  readonly sessionId: string | undefined
  /** When the socket was accepted (ms since the epoch). */
  readonly openedAt: number
  close(code: number, why: string): void
}

/**
 * The ways the proxy closes connections with 4401.
 *
 * @example
 * const disconnects = new Disconnects(registry, audit)
 * disconnects.closeUser('u_42', 'account deleted') // 2 (connections closed)
 * disconnects.endSession(sid, 'session expired')
 */
export class Disconnects {
  constructor(
    private readonly registry: ConnectionRegistry<ClosableConnection>,
    private readonly audit: Audit,
  ) {}

  /** Closes the sockets of an ended app session (of `userIds` only, when given), with an audit line per user. */
  endSession(sessionId: string, why: string, userIds?: readonly string[]): void {
    const conns = this.registry.forSession(sessionId).filter((c) => !userIds || userIds.includes(c.userId))
    for (const userId of new Set(conns.map((c) => c.userId))) {
      this.audit.record({
        event: 'session.ended',
        userId,
        reason: why,
        connections: conns.filter((c) => c.userId === userId).length,
      })
    }
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, why)
  }

  /**
   * Closes one socket whose login ended (the login check: `authenticate` now answers nobody, throws,
   * or names another user) with 4401, and the same `session.ended` audit line as a logout.
   */
  endLogin(conn: ClosableConnection, why: string): void {
    this.audit.record({ event: 'session.ended', userId: conn.userId, reason: why, connections: 1 })
    conn.close(CloseCodes.LOGGED_OUT, why)
  }

  /** Closes a user's sockets (those opened until `openedBy`, ms since the epoch, when given); answers how many. */
  closeUser(userId: string, why: string, openedBy = Infinity): number {
    const conns = this.registry.forUser(userId).filter((c) => c.openedAt <= openedBy)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, why)
    return conns.length
  }

  /** Closes the sockets opened with an app session (logged out); answers how many. */
  closeSession(sessionId: string): number {
    const conns = this.registry.forSession(sessionId)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, 'logged out')
    return conns.length
  }
}
