/**
 * Bookkeeping of the open browser connections: by user (event fan-out, `disconnectUser`,
 * connections-per-user limit) and by app session id (`disconnectSession`, logout).
 */

/** What the registry needs of a browser connection. */
export interface RegisteredConnection {
  readonly connId: string
  readonly userId: string
  /** The app's session id the connection was opened with (express-session's `req.sessionID`). */
  readonly sessionId: string | undefined
}

/** The open connections of one proxy. */
export class ConnectionRegistry<C extends RegisteredConnection> {
  private readonly byUser = new Map<string, Set<C>>()
  private readonly bySession = new Map<string, Set<C>>()
  private readonly all = new Set<C>()

  add(conn: C): void {
    this.all.add(conn)
    addTo(this.byUser, conn.userId, conn)
    if (conn.sessionId !== undefined) addTo(this.bySession, conn.sessionId, conn)
  }

  remove(conn: C): void {
    this.all.delete(conn)
    removeFrom(this.byUser, conn.userId, conn)
    if (conn.sessionId !== undefined) removeFrom(this.bySession, conn.sessionId, conn)
  }

  /** The user's open connections (a copy, safe to iterate while closing). */
  forUser(userId: string): C[] {
    return [...(this.byUser.get(userId) ?? [])]
  }

  /** How many connections the user has open. */
  countForUser(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0
  }

  /** The connections opened with one app session. */
  forSession(sessionId: string): C[] {
    return [...(this.bySession.get(sessionId) ?? [])]
  }

  /** The app session ids with open connections. */
  sessionIds(): string[] {
    return [...this.bySession.keys()]
  }

  /** Every open connection. */
  list(): C[] {
    return [...this.all]
  }

  get size(): number {
    return this.all.size
  }

  get userCount(): number {
    return this.byUser.size
  }
}

function addTo<C>(map: Map<string, Set<C>>, key: string, conn: C): void {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(conn)
}

function removeFrom<C>(map: Map<string, Set<C>>, key: string, conn: C): void {
  const set = map.get(key)
  if (!set) return
  set.delete(conn)
  if (set.size === 0) map.delete(key)
}
