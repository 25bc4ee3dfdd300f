/**
 * The console's secondary sockets (any path under the prefix but the console's own: the browser
 * panel's screencast, desktop, audio): piped with `http-proxy` to the same path on the gateway, the
 * request cleaned as for HTTP (bearer token, the gateway's `Origin`, no cookie), frames not read.
 * Each counts in the user's console connections and is cut at logout and at `proxy.close()`.
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

/** What piping a secondary socket needs. */
export interface SecondaryDeps {
  forwarder: Server
  /** The gateway's ws(s) origin. */
  target: string
  audit: Audit
  log: ProxyLog
}

/**
 * One piped secondary socket.
 *
 * @example
 * const piped = new SecondarySocket(req, socket, head, '/clawchat/control/screencast', admitted, deps)
 * registry.add(piped)
 */
export class SecondarySocket implements ConsoleSocket {
  readonly connId = randomUUID()
  readonly kind = 'secondary'
  readonly openedAt = Date.now()
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: AdmittedConsole['sessionStore']
  readonly ended: Promise<void>

  constructor(
    req: IncomingMessage,
    private readonly socket: Duplex,
    head: Buffer,
    url: string,
    admitted: AdmittedConsole,
    deps: SecondaryDeps,
  ) {
    this.userId = admitted.user.id
    this.sessionId = admitted.sessionId
    this.sessionStore = admitted.sessionStore
    const { connId, userId } = this
    deps.audit.record({ event: 'control-ui.open', userId, connId, kind: 'secondary', ip: admitted.ip })
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        upstreamSockets.get(socket)?.destroy()
        deps.audit.record({ event: 'control-ui.close', userId, connId, kind: 'secondary' })
        resolve()
      }),
    )
    req.url = url
    deps.forwarder.ws(req, socket, head, { target: deps.target }, (error) => {
      deps.log.warn(`clawchat: a Control UI socket to the gateway failed: ${messageOf(error)}`)
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
