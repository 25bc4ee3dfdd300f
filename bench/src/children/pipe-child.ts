/**
 * Child process: the cheapest possible relay — `http-proxy` proxying WebSocket upgrades to the
 * gateway and piping bytes both ways without reading a frame. The baseline (b).
 */
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import httpProxy from 'http-proxy'
import { listenOnLoopback, serveCommands } from '../ipc/serve-commands.js'

/** What the driver passes to this child's `start`. */
export interface PipeChildConfig {
  gatewayUrl: string
}

const sockets = new Set<Socket>()
let upstreamOpen = 0
let server: Server | undefined
let proxy: httpProxy | undefined

async function start(config: PipeChildConfig): Promise<{ url: string }> {
  const pipe = httpProxy.createProxyServer({ target: config.gatewayUrl, ws: true })
  proxy = pipe
  pipe.on('error', (_error, _req, socket) => {
    if (socket && 'destroy' in socket) (socket as Socket).destroy()
  })
  pipe.on('open', (upstream: Socket) => {
    upstreamOpen += 1
    upstream.once('close', () => {
      upstreamOpen -= 1
    })
  })
  const http = createServer((_req, res) => {
    res.statusCode = 404
    res.end()
  })
  server = http
  http.on('upgrade', (req, socket: Socket, head) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    pipe.ws(req, socket, head)
  })
  return { url: await listenOnLoopback(http) }
}

serveCommands(
  {
    start,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      if (server) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server?.close(() => resolve()))
      }
      proxy?.close()
    },
  },
  () => ({ clientSockets: sockets.size, upstreamOpen }),
)
