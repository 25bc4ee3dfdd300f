/**
 * A root socket of the Control UI (`controlUi.rootSockets`: the browser panel's live view at
 * `/browser/screencast?token=…`, the desktop viewer at `/desktop/observe?token=…`), piped with
 * `http-proxy` to the same path and query on the gateway: the request cleaned (no cookie, no
 * authorization, no forwarding header, the gateway's `Origin`; the one-time token in the query is its
 * only credential), frames not read (binary JPEG frames pass as they are). It counts in the user's
 * console connections and is cut at logout, `disconnectUser` and `proxy.close()`.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type Server from 'http-proxy'
import type { Audit } from '../audit/audit.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { CONSOLE_REFUSAL_TEXT } from './access.js'
import type { AdmittedConsole, ConsoleSocket } from './console-socket.js'
import { upstreamSockets } from './forwarder.js'
import { refuseConsoleUpgrade } from './upgrade-refusal.js'

/** What piping a root socket needs. */
export interface RootSocketDeps {
  forwarder: Server
  /** The gateway's ws(s) origin. */
  target: string
  audit: Audit
  log: ProxyLog
}

/** An admitted root socket upgrade. */
export interface RootSocketUpgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  /** The path and query to open on the gateway (the query holds the one-time token). */
  url: string
  /** The path alone (audited). */
  path: string
  admitted: AdmittedConsole
}

/**
 * One piped root socket.
 *
 * @example
 * const piped = new RootSocket({ req, socket, head, url, path: '/browser/screencast', admitted }, deps)
 * registry.add(piped)
 */
export class RootSocket implements ConsoleSocket {
  readonly connId = randomUUID()
  readonly openedAt = Date.now()
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: AdmittedConsole['sessionStore']
  readonly upgradeRequest: AdmittedConsole['upgradeRequest']
  readonly ended: Promise<void>
  private readonly socket: Duplex

  constructor(upgrade: RootSocketUpgrade, deps: RootSocketDeps) {
    const { req, socket, head, url, path, admitted } = upgrade
    this.socket = socket
    this.userId = admitted.user.id
    this.sessionId = admitted.sessionId
    this.sessionStore = admitted.sessionStore
    this.upgradeRequest = admitted.upgradeRequest
    const { connId, userId } = this
    deps.audit.record({ event: 'control-ui.open', userId, connId, path, ip: admitted.ip })
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        upstreamSockets.get(socket)?.destroy()
        deps.audit.record({ event: 'control-ui.close', userId, connId, path })
        resolve()
      }),
    )
    req.url = url
    deps.forwarder.ws(req, socket, head, { target: deps.target }, (error) => {
      deps.log.warn(`clawchat: a Control UI socket at ${path} to the gateway failed: ${messageOf(error)}`)
      // Before the gateway's 101 the browser can still be told; after it, the socket is cut.
      if (upstreamSockets.has(socket)) this.close()
      else refuseConsoleUpgrade(socket, 502, CONSOLE_REFUSAL_TEXT[502] as string)
    })
  }

  /** Cuts the socket and its gateway side (its frames are not read: no close frame can be slipped in). */
  close(): void {
    upstreamSockets.get(this.socket)?.destroy()
    this.socket.destroy()
  }

  /** Same as {@link close}. */
  terminate(): void {
    this.close()
  }
}
