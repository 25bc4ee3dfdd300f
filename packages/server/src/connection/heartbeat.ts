/**
 * WebSocket liveness: one timer per proxy pings every browser socket each `pingIntervalMs`; a
 * socket that has not answered the previous ping with a pong by the next round is dead (a laptop
 * closed, Wi-Fi gone, a NAT that forgot the flow) and is terminated, so it stops holding a slot of
 * `connectionsPerUser` and its queue. Browsers answer pings by themselves; nothing to do in pages.
 */
import type { WebSocket } from 'ws'

/** Watches sockets for pongs. */
export interface Heartbeat {
  /** Starts watching `ws`; `onDead` runs once when it misses a pong. Forgotten when it closes. */
  watch(ws: WebSocket, onDead: () => void): void
  /** How many sockets are watched. */
  readonly size: number
  /** Stops the timer and forgets every socket. */
  stop(): void
}

/**
 * Starts the ping timer (`intervalMs` 0: a heartbeat that watches nothing). Per socket it keeps an
 * entry in one Map and two listeners shared by every socket (`this` is the socket): no object,
 * closure or `once` wrapper of its own (they were ~0.4 KiB of each idle connection).
 *
 * @example
 * const heartbeat = startHeartbeat(30_000)
 * heartbeat.watch(ws, () => ws.terminate())
 * // on shutdown
 * heartbeat.stop()
 */
export function startHeartbeat(intervalMs: number): Heartbeat {
  /** Each watched socket's `onDead`. */
  const watched = new Map<WebSocket, () => void>()
  /** The sockets pinged that have not answered yet. */
  const waiting = new Set<WebSocket>()
  if (intervalMs <= 0) return { watch: () => undefined, size: 0, stop: () => undefined }
  function onPong(this: WebSocket): void {
    waiting.delete(this)
  }
  function onClose(this: WebSocket): void {
    watched.delete(this)
    waiting.delete(this)
  }

  const timer = setInterval(() => {
    for (const [ws, onDead] of watched) {
      if (waiting.has(ws)) {
        watched.delete(ws)
        waiting.delete(ws)
        try {
          onDead()
        } catch {
          ws.terminate()
        }
        continue
      }
      waiting.add(ws)
      try {
        ws.ping()
      } catch {
        // Closing already: the close event forgets it.
      }
    }
  }, intervalMs)
  timer.unref?.()

  return {
    watch(ws, onDead) {
      watched.set(ws, onDead)
      ws.on('pong', onPong)
      ws.on('close', onClose)
    },
    get size() {
      return watched.size
    },
    stop() {
      clearInterval(timer)
      watched.clear()
      waiting.clear()
    },
  }
}
