/**
 * `proxy.attach(server)`: the proxy's listener on a server's `upgrade` event, first in line. An
 * upgrade to another path is left to the server's other listeners; one that none of them takes
 * within `destroyUpgradeTimeoutMs` is answered 404 and closed (see `unhandled-upgrade.ts`).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { answerUnlessTaken } from './unhandled-upgrade.js'
import type { UpgradeHandler } from './upgrade-handler.js'

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/**
 * The servers a proxy listens on.
 *
 * @example
 * const servers = new AttachedServers(handleUpgrade, 1000)
 * servers.attach(app.listen(36006))
 * servers.detachAll() // on close
 */
export class AttachedServers {
  private readonly attached = new Map<HttpServer | HttpsServer, UpgradeListener>()

  constructor(
    private readonly handleUpgrade: UpgradeHandler,
    /** `destroyUpgradeTimeoutMs`: 0 leaves unhandled upgrades alone. */
    private readonly destroyUpgradeTimeoutMs: number,
    /** Called when an upgrade nobody took is answered 404 (the proxy's figures). */
    private readonly onUnanswered?: () => void,
  ) {}

  /** Listens for upgrades on `server` (once per server). */
  attach(server: HttpServer | HttpsServer): void {
    if (this.attached.has(server)) return
    const listener: UpgradeListener = (req, socket, head) => {
      if (this.handleUpgrade(req, socket, head) || this.destroyUpgradeTimeoutMs === 0) return
      answerUnlessTaken(socket, this.destroyUpgradeTimeoutMs, this.onUnanswered)
    }
    this.attached.set(server, listener)
    // First in line, so that what the other listeners do with a socket shows against its state now.
    server.prependListener('upgrade', listener)
  }

  /** Stops listening on every server. */
  detachAll(): void {
    for (const [server, listener] of this.attached) server.off('upgrade', listener)
    this.attached.clear()
  }
}
