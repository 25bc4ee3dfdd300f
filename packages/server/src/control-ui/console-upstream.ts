/**
 * The console's own socket to the gateway: opened at `<gateway origin>` + the page's path and query
 * (under the prefix), with the gateway's own `Origin` and no cookie, its `connect.challenge` awaited,
 * the proxy's `connect` sent (see `console-handshake.ts`) and its answer returned. Frames the gateway
 * sends after the answer are held until the relay takes over, so none is lost.
 */
import WebSocket, { type RawData } from 'ws'
import { isRecord } from '../common/records.js'

/** The request id of the proxy's own `connect` upstream (the page's id is put back on the answer). */
const CONNECT_ID = 'clawchat-console-connect'

/** The gateway could not be reached or did not answer the handshake in time. */
export class UpstreamUnreachable extends Error {}

/** An upstream socket whose handshake got an answer. */
export interface OpenedUpstream {
  ws: WebSocket
  /** The gateway's `res` to the proxy's `connect` (ok or not). */
  answer: Record<string, unknown>
  /** Hands every later frame (and those held so far) to `forward`. */
  relayTo(forward: (data: RawData, isBinary: boolean) => void): void
}

/** What {@link openUpstream} needs. */
export interface UpstreamOpenOptions {
  /** `ws(s)://gateway-host:port/<path>`. */
  url: string
  /** The gateway's own http(s) origin, sent as `Origin`. */
  origin: string
  timeoutMs: number
  /** Builds the `connect` params for the gateway's nonce. */
  connectParams(nonce: string): Record<string, unknown>
}

function parse(data: RawData): Record<string, unknown> | undefined {
  try {
    const frame: unknown = JSON.parse(data.toString())
    return isRecord(frame) ? frame : undefined
  } catch {
    return undefined
  }
}

/**
 * Opens the upstream socket and runs the handshake; rejects with {@link UpstreamUnreachable} when
 * the gateway cannot be reached, closes, or does not answer within `timeoutMs`.
 *
 * @example
 * const { ws, answer, relayTo } = await openUpstream({ url, origin, timeoutMs: 15_000, connectParams })
 */
export function openUpstream(opts: UpstreamOpenOptions): Promise<OpenedUpstream> {
  const ws = new WebSocket(opts.url, { headers: { Origin: opts.origin }, perMessageDeflate: false })
  const held: Array<[RawData, boolean]> = []
  let forward: ((data: RawData, isBinary: boolean) => void) | undefined
  return new Promise((resolve, reject) => {
    let answered = false
    const fail = (message: string) => {
      if (answered) return
      answered = true
      clearTimeout(timer)
      ws.terminate()
      reject(new UpstreamUnreachable(message))
    }
    const timer = setTimeout(() => fail(`the gateway did not answer within ${opts.timeoutMs} ms`), opts.timeoutMs)
    timer.unref?.()
    ws.on('error', (error) => fail(`the gateway is not reachable (${error.message})`))
    ws.on('close', (code) => fail(`the gateway closed the socket (${code})`))
    ws.on('message', (data, isBinary) => {
      if (answered) {
        if (forward) forward(data, isBinary)
        else held.push([data, isBinary])
        return
      }
      const frame = parse(data)
      if (frame?.type === 'event' && frame.event === 'connect.challenge') {
        const nonce = isRecord(frame.payload) ? frame.payload.nonce : undefined
        if (typeof nonce !== 'string') return fail('the gateway sent a challenge without a nonce')
        ws.send(JSON.stringify({ type: 'req', id: CONNECT_ID, method: 'connect', params: opts.connectParams(nonce) }))
        return
      }
      if (frame?.type !== 'res' || frame.id !== CONNECT_ID) return
      answered = true
      clearTimeout(timer)
      resolve({
        ws,
        answer: frame,
        relayTo(fn) {
          forward = fn
          for (const [d, b] of held.splice(0)) fn(d, b)
        },
      })
    })
  })
}
