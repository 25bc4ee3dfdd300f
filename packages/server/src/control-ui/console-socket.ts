/**
 * What every console socket is to the rest of the proxy: an entry of the consoles' registry —
 * counted per user, closed at logout, at `disconnectUser` and at `proxy.close()` — and what the gate
 * admitted it with.
 */
import type { ClawChatUser } from '@clawchat/protocol'
import type { SavedUpgradeRequest } from '../gate/reauthenticate.js'
import type { SessionStoreLike } from '../gate/session-check.js'

/** One open console socket. */
export interface ConsoleSocket {
  readonly connId: string
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: SessionStoreLike | undefined
  /** Without an app session: the upgrade request the login check asks `authenticate` about again. */
  readonly upgradeRequest: SavedUpgradeRequest | undefined
  /** When it was accepted (ms since the epoch). */
  readonly openedAt: number
  /** Resolves once the browser's socket is gone. */
  readonly ended: Promise<void>
  /** Closes the page (and its gateway side) with `code` and `why`. */
  close(code: number, why: string): void
  /** Drops it at once (a shutdown whose close handshake took too long). */
  terminate(): void
}

/** What the gate admitted a console upgrade with. */
export interface AdmittedConsole {
  user: ClawChatUser
  sessionId: string | undefined
  sessionStore: SessionStoreLike | undefined
  /** Kept only without option `session` (see `gate/reauthenticate.ts`). */
  upgradeRequest: SavedUpgradeRequest | undefined
  ip: string | undefined
}
