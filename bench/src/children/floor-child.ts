/**
 * Child process: the floor (f) — the least a relay that reads frames must do. A WebSocket server
 * for the client; for each client, one WebSocket to the gateway. Every gateway frame is parsed
 * once (`JSON.parse`), serialised once (`JSON.stringify`) and sent once to the client; the client's
 * frames go to the gateway as they came. No ownership, no policy, no audit, no rate meters. Like
 * clawchatProxy, it corks the client's socket on the first frame of an event-loop turn and uncorks
 * on `process.nextTick`, so a turn's frames leave in one write (what the relay does too; a write
 * per frame would put the floor above a relay that batches).
 */
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { listenOnLoopback, serveCommands } from '../ipc/serve-commands.js'

/** What the driver passes to this child's `start`. */
export interface FloorChildConfig {
  gatewayUrl: string
}

const WS_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 64 * 1024 * 1024 }

let server: Server | undefined
let wss: WebSocketServer | undefined
const links = new Set<WebSocket>()
let relayed = 0

/** Sends on `client`, corked until the end of the turn (one write per turn). */
function corkedSender(client: WebSocket): (text: string) => void {
  const socket = (client as unknown as { _socket: Socket })._socket
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  return (text) => {
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    client.send(text)
  }
}

function relay(client: WebSocket, gatewayUrl: string): void {
  const upstream = new WebSocket(gatewayUrl, WS_OPTIONS)
  links.add(upstream)
  const early: string[] = []
  const send = corkedSender(client)
  upstream.on('message', (data: Buffer) => {
    if (client.readyState !== WebSocket.OPEN) return
    relayed += 1
    send(JSON.stringify(JSON.parse(data.toString('utf8'))))
  })
  upstream.on('open', () => {
    for (const frame of early) upstream.send(frame)
    early.length = 0
  })
  client.on('message', (data: Buffer) => {
    const text = data.toString('utf8')
    if (upstream.readyState === WebSocket.OPEN) upstream.send(text)
    else early.push(text)
  })
  const closeBoth = () => {
    links.delete(upstream)
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.terminate()
    if (client.readyState === WebSocket.OPEN) client.close(1000)
  }
  upstream.on('close', closeBoth)
  upstream.on('error', closeBoth)
  client.on('close', closeBoth)
  client.on('error', closeBoth)
}

async function start(config: FloorChildConfig): Promise<{ url: string }> {
  const http = createServer((_req, res) => {
    res.statusCode = 404
    res.end()
  })
  server = http
  const sockets = new WebSocketServer({ server: http, ...WS_OPTIONS })
  wss = sockets
  sockets.on('connection', (client) => relay(client, config.gatewayUrl))
  return { url: await listenOnLoopback(http) }
}

serveCommands(
  {
    start,
    stop: async () => {
      for (const link of links) link.terminate()
      for (const client of wss?.clients ?? []) client.terminate()
      wss?.close()
      if (server) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server?.close(() => resolve()))
      }
    },
  },
  () => ({ upstreamOpen: links.size, relayed }),
)
