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

/**
 * A user's (or an app session's) connections: the connection itself while there is one — most
 * users have one, and a `Set` per user and per session cost each idle connection ~0.3 KiB — and a
 * `Set` from the second on.
 */
type Group<C> = C | Set<C>

/** The open connections of one proxy. */
export class ConnectionRegistry<C extends RegisteredConnection> {
  private readonly byUser = new Map<string, Group<C>>()
  private readonly bySession = new Map<string, Group<C>>()
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
    return members(this.byUser.get(userId))
  }

  /** How many connections the user has open. */
  countForUser(userId: string): number {
    return sizeOf(this.byUser.get(userId))
  }

  /** The connections opened with one app session. */
  forSession(sessionId: string): C[] {
    return members(this.bySession.get(sessionId))
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

function members<C>(group: Group<C> | undefined): C[] {
  if (group === undefined) return []
  return group instanceof Set ? [...group] : [group]
}

function sizeOf<C>(group: Group<C> | undefined): number {
  if (group === undefined) return 0
  return group instanceof Set ? group.size : 1
}

function addTo<C>(map: Map<string, Group<C>>, key: string, conn: C): void {
  const group = map.get(key)
  if (group === undefined) map.set(key, conn)
  else if (group instanceof Set) group.add(conn)
  else if (group !== conn) map.set(key, new Set([group, conn]))
}

function removeFrom<C>(map: Map<string, Group<C>>, key: string, conn: C): void {
  const group = map.get(key)
  if (group === undefined) return
  if (!(group instanceof Set)) {
    if (group === conn) map.delete(key)
    return
  }
  group.delete(conn)
  if (group.size === 1) map.set(key, group.values().next().value as C)
  else if (group.size === 0) map.delete(key)
}
