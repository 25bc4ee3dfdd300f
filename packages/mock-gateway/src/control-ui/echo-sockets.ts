import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'

/**
 * The stand-in for the gateway's secondary sockets (browser screencast, desktop, audio) under the
 * Control UI's base path: each accepted socket echoes every frame back as it came (text as text,
 * binary as binary), so a proxy's piping can be tested. Only upgrades with the bearer get here.
 */
export class EchoSockets {
  private readonly wss: WebSocketServer
  private readonly open = new Set<WebSocket>()

  constructor(maxPayload: number) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false })
  }

  /** Completes the upgrade and echoes from then on. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.open.add(ws)
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
      ws.on('close', () => this.open.delete(ws))
      ws.on('error', () => {})
    })
  }

  /** Closes them all: 1012 "service restart" like the gateway's own sockets, or at once (`crash`). */
  closeAll(destroy: boolean): void {
    for (const ws of this.open) {
      if (destroy) ws.terminate()
      else ws.close(1012, 'service restart')
    }
  }
}
