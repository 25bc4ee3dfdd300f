/**
 * A refused console upgrade: a plain HTTP answer with a text that says why, then the socket closed
 * (the relay's `refuseUpgrade`, with the console's own texts).
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * Answers an upgrade with `status` and `text`, and destroys the socket.
 *
 * @example
 * refuseConsoleUpgrade(socket, 403, "The Control UI is for the app's administrators only.")
 */
export function refuseConsoleUpgrade(socket: Duplex, status: number, text: string): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy()
    return
  }
  const body = `${text}\n`
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  setTimeout(() => socket.destroy(), 1000).unref?.()
}
