import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import { serveControlUi, underBasePath } from '../control-ui/control-ui-http.js'
import type { ResolvedControlUi } from '../control-ui/control-ui-option.js'
import type { TrafficRecords } from './traffic-records.js'

/** What the listener serves besides the gateway's WebSocket. */
export interface ListenerRoutes {
  /** The Control UI stand-in, when on. */
  controlUi: ResolvedControlUi | undefined
  records: TrafficRecords
}

const PLAIN_426 = 'This is a mock OpenClaw gateway: connect with a WebSocket.\n'

/**
 * The listening side: an HTTP server that upgrades every request path to the gateway's WebSocket
 * (under the Control UI's base path or not: the real gateway answers its main socket on any path, a
 * bearer header authenticates no socket) and answers plain HTTP with 426, except under the Control
 * UI's base path when it is on: there plain HTTP gets the stand-in (control-ui/control-ui-http.ts).
 * Every request is recorded first. A new server is made for each
 * (re)start so `restart()` can listen on the same port again after `close()` or `crash()`.
 */
export class HttpListener {
  private server: Server | undefined
  private readonly wss: WebSocketServer
  private refusing = false

  constructor(
    maxPayload: number,
    private readonly onSocket: (ws: WebSocket, req: IncomingMessage) => void,
    private readonly routes: ListenerRoutes,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false })
  }

  get listening(): boolean {
    return this.server?.listening ?? false
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      const record = this.routes.records.recordHttp(req)
      const ui = this.routes.controlUi
      if (ui && underBasePath(record.path, ui.basePath)) {
        serveControlUi(req, res, { basePath: ui.basePath, authorized: record.authorized })
        return
      }
      res.writeHead(426, { 'content-type': 'text/plain' })
      res.end(PLAIN_426)
    })
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head))
    this.server = server
    this.refusing = false
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err)
      server.once('error', onError)
      server.listen(port, host, () => {
        server.off('error', onError)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    this.routes.records.recordUpgrade(req)
    if (this.refusing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req))
  }

  /**
   * Keeps listening but answers every WebSocket upgrade `503` (the real gateway while it drains for
   * a stop or restart: measured by e2e/real-gateway/shutdown-probe.test.ts).
   */
  refuseUpgrades(): void {
    this.refusing = true
  }

  /** Stops accepting connections; with `destroy`, also drops sockets still in HTTP (not upgraded). */
  async stop(destroy: boolean): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    if (destroy) server.closeAllConnections()
    else server.closeIdleConnections()
    // Upgraded sockets are closed by the caller; don't let a straggler hold the promise forever.
    await Promise.race([closed, sleep(1000, undefined, { ref: false })])
  }
}
