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

interface Watched {
  alive: boolean
  onDead: () => void
}

/**
 * Starts the ping timer (`intervalMs` 0: a heartbeat that watches nothing).
 *
 * @example
 * const heartbeat = startHeartbeat(30_000)
 * heartbeat.watch(ws, () => ws.terminate())
 * // on shutdown
 * heartbeat.stop()
 */
export function startHeartbeat(intervalMs: number): Heartbeat {
  const watched = new Map<WebSocket, Watched>()
  if (intervalMs <= 0) return { watch: () => undefined, size: 0, stop: () => undefined }

  const timer = setInterval(() => {
    for (const [ws, entry] of watched) {
      if (!entry.alive) {
        watched.delete(ws)
        try {
          entry.onDead()
        } catch {
          ws.terminate()
        }
        continue
      }
      entry.alive = false
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
      const entry: Watched = { alive: true, onDead }
      watched.set(ws, entry)
      ws.on('pong', () => {
        entry.alive = true
      })
      ws.once('close', () => watched.delete(ws))
    },
    get size() {
      return watched.size
    },
    stop() {
      clearInterval(timer)
      watched.clear()
    },
  }
}
