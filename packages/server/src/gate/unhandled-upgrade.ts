/**
 * Upgrades nobody takes. Node destroys an upgrade request only while the server has no 'upgrade'
 * listener; once `proxy.attach(server)` added one, an upgrade to any other path would stay open
 * forever unless another listener answers it — a thousand such sockets exhaust a default
 * `ulimit -n`. As engine.io does (`destroyUpgrade`), the attached proxy gives the server's other
 * listeners a moment, then answers 404 and destroys a socket that none of them took.
 *
 * "Took" means what every handler does with a socket it keeps: it listens for the socket's errors
 * (without a listener, a reset would crash the process — ws adds one at once, before an async
 * `verifyClient`), or reads it, ends it or destroys it; or a ClawChat proxy in this process claimed
 * it. The proxy's listener goes first (`prependListener`), so that new listeners show. Bytes
 * written are no sign: a slow response to a request pipelined before the upgrade, on the same
 * connection, writes to the socket too — and would otherwise keep it open for ever.
 *
 * Not covered: a listener that runs BEFORE the proxy's (prepended after `attach`) and only later,
 * asynchronously, begins to use the socket. Give `destroyUpgradeTimeoutMs` room for it, or 0.
 */
import type { Duplex } from 'node:stream'
import { refuseUpgrade } from './upgrade.js'

/** Sockets a ClawChat proxy (any instance in this process) is handling. */
const claimed = new WeakSet<Duplex>()

/** The events a handler listens to on a socket it keeps. */
const HOLD_EVENTS = ['data', 'readable', 'error', 'close', 'end'] as const

/** Marks an upgrade as handled by a ClawChat proxy, so no other proxy's timeout answers it. */
export function claimUpgrade(socket: Duplex): void {
  claimed.add(socket)
}

/** What shows that somebody took a socket: its listeners, and whether it is being read. */
interface Footprint {
  listeners: number[]
  flowing: boolean | null
}

function footprint(socket: Duplex): Footprint {
  return { listeners: HOLD_EVENTS.map((event) => socket.listenerCount(event)), flowing: socket.readableFlowing }
}

/**
 * Did somebody take the socket? It is being read (Node hands it over unread: a WebSocket that a
 * listener before ours accepted at once is read already), or it has a listener more of any kind
 * than `before`. (Listeners only go down by themselves: Node's own, of a response that finished.)
 */
function taken(socket: Duplex, before: Footprint): boolean {
  const now = footprint(socket)
  if (before.flowing !== null || now.flowing !== null) return true
  if (socket.listenerCount('data') > 0 || socket.listenerCount('readable') > 0) return true
  return now.listeners.some((count, i) => count > (before.listeners[i] ?? 0))
}

/**
 * Watches an upgrade the proxy did not take: when, `timeoutMs` later, no other listener has taken
 * the socket (see the module comment), answers `404 Not Found` and destroys it. Call it from an
 * 'upgrade' listener that runs before the others (`prependListener`), so their work shows.
 * `onRefused` is called as it answers 404 (the proxy counts it).
 *
 * @example
 * server.prependListener('upgrade', (req, socket, head) => {
 *   if (!proxy.handleUpgrade(req, socket, head)) answerUnlessTaken(socket, 1000)
 * })
 */
export function answerUnlessTaken(socket: Duplex, timeoutMs: number, onRefused?: () => void): void {
  const before = footprint(socket)
  const check = (): void => {
    if (claimed.has(socket) || socket.destroyed || !socket.writable || socket.writableEnded) return
    if (taken(socket, before)) return
    // A response to a request pipelined before the upgrade is still being written: the 404 goes after it.
    const response = pendingResponse(socket)
    if (response) {
      let again = true
      const next = () => {
        if (again) check()
        again = false
      }
      response.once('finish', next)
      response.once('close', next)
      return
    }
    socket.on('error', () => undefined)
    onRefused?.()
    refuseUpgrade(socket, 404)
  }
  setTimeout(check, timeoutMs).unref?.()
}

/** The HTTP response Node is still writing on this socket (`_httpMessage`, set while one is attached), if any. */
function pendingResponse(socket: Duplex): { once(event: string, listener: () => void): unknown } | undefined {
  const response = (socket as { _httpMessage?: { writableFinished?: boolean; once?: unknown } | null })._httpMessage
  if (!response || response.writableFinished === true || typeof response.once !== 'function') return undefined
  return response as { once(event: string, listener: () => void): unknown }
}
