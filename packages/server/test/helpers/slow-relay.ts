/**
 * A TCP relay on 127.0.0.1 in front of a gateway that READS SLOWLY: what the proxy sends upstream
 * is forwarded at most `bytesPerSecond` (or not at all while `hold()`), while everything the gateway
 * sends comes back at full speed. So the proxy's writes pile up in its own socket buffers, as they
 * do in front of a busy gateway on a slow network. `close()` stops it.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/** A running slow relay. */
export interface SlowRelay {
  readonly port: number
  /** Bytes forwarded upstream so far. */
  readonly forwarded: number
  /** Stops reading from the proxy altogether. */
  hold(): void
  /** Reads from the proxy again, at `bytesPerSecond` (`Infinity`: full speed). */
  release(bytesPerSecond?: number): void
  close(): Promise<void>
}

/**
 * Starts a relay to `targetPort` that forwards upstream at `bytesPerSecond`.
 *
 * @example
 * const relay = await startSlowRelay(gateway.port, 512 * 1024)   // ws://127.0.0.1:${relay.port}
 */
export async function startSlowRelay(targetPort: number, bytesPerSecond: number): Promise<SlowRelay> {
  const sockets = new Set<Socket>()
  const downstream = new Set<Socket>()
  let rate = bytesPerSecond
  let held = false
  let forwarded = 0
  const SLICE_MS = 50
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => {
      sockets.delete(socket)
      downstream.delete(socket)
    })
  }
  /** Per socket: bytes forwarded in the current slice; paused until the next slice when over. */
  const budget = new Map<Socket, number>()
  const timer = setInterval(() => {
    budget.clear()
    if (!held) for (const socket of downstream) if (socket.isPaused()) socket.resume()
  }, SLICE_MS)
  timer.unref()
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    track(client)
    track(upstream)
    downstream.add(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    if (held) client.pause()
    client.on('data', (chunk: Buffer) => {
      forwarded += chunk.length
      upstream.write(chunk)
      const used = (budget.get(client) ?? 0) + chunk.length
      budget.set(client, used)
      if (held || used >= (rate * SLICE_MS) / 1000) client.pause()
    })
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    get forwarded() {
      return forwarded
    },
    hold() {
      held = true
      for (const socket of downstream) socket.pause()
    },
    release(bytesPerSecond = Infinity) {
      held = false
      rate = bytesPerSecond
      for (const socket of downstream) socket.resume()
    },
    async close() {
      clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
