/**
 * A TCP relay on 127.0.0.1 in front of one port, that a test can cut (every connection through it
 * dropped, new ones refused) and restore on the same port: a network partition between one app
 * instance and Redis, while the others keep theirs. `close()` stops it.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/** A running relay. */
export interface TcpRelay {
  readonly port: number
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

/**
 * Starts a relay to `targetPort`.
 *
 * @example
 * const relay = await startTcpRelay(redis.port)   // redis://127.0.0.1:${relay.port}
 * await relay.cut(); await relay.restore()
 */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const makeServer = (): Server =>
    createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      track(client)
      track(upstream)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.pipe(upstream).pipe(client)
    })
  const listen = (s: Server, port: number) =>
    new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  let server: Server | null = makeServer()
  await listen(server, 0)
  const port = (server.address() as AddressInfo).port
  const stop = async () => {
    const s = server
    server = null
    for (const socket of sockets) socket.destroy()
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
  return {
    port,
    cut: stop,
    async restore() {
      if (server) return
      server = makeServer()
      await listen(server, port)
    },
    close: stop,
  }
}
