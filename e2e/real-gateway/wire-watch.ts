// The wire as a client reads it, for the lean-wire suite: a WebSocket class for `@clawchat/client`
// in Node that records every frame each of its sockets received (with its size on the wire) and
// sent, can drop or alter chosen frames before the SDK sees them (a gap, a corrupted delta) and
// can cut a socket (a reconnect); and readers that take a run's frames apart, lean or OpenClaw's.
import WebSocket from 'ws'
import type { WebSocketConstructor, WebSocketLike } from '@clawchat/client'

/** One received frame: its text and its bytes on the wire (payload plus the frame header). */
export interface WireFrame {
  raw: string
  bytes: number
  at: number
}

/** One socket the SDK opened. */
export interface WatchedSocket {
  /** Every frame the server sent, in order (dropped ones included, as they arrived). */
  received: WireFrame[]
  /** Every frame the SDK sent. */
  sent: string[]
  /** Frames the SDK was not given (see {@link SocketWatch.drop}). */
  dropped: WireFrame[]
  /** Drops the TCP connection at once (the SDK sees close 1006 and reconnects). */
  terminate(): void
}

/** The sockets of one SDK instance, and the hooks that disturb them. */
export interface SocketWatch {
  /** Give this as the SDK's `WebSocket` option. */
  WebSocket: WebSocketConstructor
  /** Every socket opened, in order. */
  sockets: WatchedSocket[]
  /** Return true to keep a received frame from the SDK (it still counts in `received`). */
  drop?: (raw: string, socket: WatchedSocket) => boolean
  /** Rewrites a received frame before the SDK sees it. */
  alter?: (raw: string, socket: WatchedSocket) => string
  /** The socket opened last. */
  current(): WatchedSocket
}

/** A server-to-client WebSocket frame's header size for a payload of `n` bytes (RFC 6455, unmasked). */
export function frameHeaderBytes(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10
}

/** The bytes on the wire of a text frame carrying `raw`. */
export function wireBytes(raw: string): number {
  const n = Buffer.byteLength(raw, 'utf8')
  return n + frameHeaderBytes(n)
}

/**
 * A watched WebSocket class carrying `cookie` (the app's login) on each upgrade.
 *
 * @example
 * const watch = watchSockets(cookie)
 * const chat = new ClawChat({ url: app.wsUrl, WebSocket: watch.WebSocket, fetch })
 * watch.current().terminate() // a reconnect
 */
export function watchSockets(cookie: string): SocketWatch {
  const watch: SocketWatch = {
    WebSocket: undefined as unknown as WebSocketConstructor,
    sockets: [],
    current() {
      const s = watch.sockets.at(-1)
      if (!s) throw new Error('the SDK has opened no socket yet')
      return s
    },
  }
  class WatchedWebSocket implements WebSocketLike {
    private readonly ws: WebSocket
    private readonly listeners = new Map<string, Array<(event: unknown) => void>>()
    private readonly record: WatchedSocket

    constructor(url: string) {
      this.ws = new WebSocket(url, { headers: { Cookie: cookie } })
      const ws = this.ws
      this.record = { received: [], sent: [], dropped: [], terminate: () => ws.terminate() }
      watch.sockets.push(this.record)
      ws.on('open', () => this.emit('open', {}))
      ws.on('message', (data: Buffer) => this.onMessage(data.toString('utf8'), data.length))
      ws.on('close', (code, reason) => this.emit('close', { code, reason: reason.toString() }))
      ws.on('error', () => this.emit('error', {}))
    }

    get readyState(): number {
      return this.ws.readyState
    }

    send(data: string): void {
      this.record.sent.push(data)
      this.ws.send(data)
    }

    close(code?: number, reason?: string): void {
      this.ws.close(code, reason)
    }

    addEventListener(type: string, listener: (event: unknown) => void): void {
      const list = this.listeners.get(type) ?? []
      list.push(listener)
      this.listeners.set(type, list)
    }

    private onMessage(raw: string, length: number): void {
      const frame = { raw, bytes: length + frameHeaderBytes(length), at: Date.now() }
      this.record.received.push(frame)
      if (watch.drop?.(raw, this.record)) {
        this.record.dropped.push(frame)
        return
      }
      this.emit('message', { data: watch.alter ? watch.alter(raw, this.record) : raw })
    }

    private emit(type: string, event: unknown): void {
      for (const l of this.listeners.get(type) ?? []) l(event)
    }
  }
  watch.WebSocket = WatchedWebSocket
  return watch
}

/** A frame taken apart: a compact lean delta, an event, or anything else (answers, …). */
export type ParsedFrame =
  | { kind: 'compact'; seq: number; run: number; deltaText: string; replace: boolean }
  | { kind: 'event'; event: string; payload: Record<string, any>; seq?: number }
  | { kind: 'other'; frame: unknown }

/** Takes one frame's text apart. */
export function parseFrame(raw: string): ParsedFrame {
  const v: unknown = JSON.parse(raw)
  if (Array.isArray(v)) {
    return { kind: 'compact', seq: v[0], run: v[1], deltaText: v[2], replace: v.length === 4 && v[3] === 1 }
  }
  const f = v as Record<string, any>
  if (f?.type === 'event') return { kind: 'event', event: f.event, payload: f.payload ?? {}, seq: f.seq }
  return { kind: 'other', frame: v }
}

/** What one socket received of one run. */
export interface RunOnWire {
  /** The frames of the run, in order (compact deltas, its `clawchat.run` heads, its events). */
  frames: Array<{ raw: string; bytes: number; parsed: ParsedFrame }>
  bytes: number
  compact: number
  heads: Array<Record<string, any>>
  /** The text the wire carried (heads' text, compact deltas appended or starting over). */
  text: string
}

/**
 * The frames of `runId` among `frames` of ONE socket: events whose payload names the run, its
 * `clawchat.run` heads and the compact deltas of the number a head gave it on that socket.
 *
 * @example
 * const wire = runOnWire(watch.current().received, runId)
 * wire.compact // compact deltas of the run
 */
export function runOnWire(frames: ReadonlyArray<{ raw: string; bytes?: number }>, runId: string): RunOnWire {
  const out: RunOnWire = { frames: [], bytes: 0, compact: 0, heads: [], text: '' }
  const numbers = new Set<number>()
  for (const f of frames) {
    const parsed = parseFrame(f.raw)
    let mine = false
    if (parsed.kind === 'compact' && numbers.has(parsed.run)) {
      mine = true
      out.compact++
      out.text = parsed.replace ? parsed.deltaText : out.text + parsed.deltaText
    } else if (parsed.kind === 'event' && parsed.payload.runId === runId) {
      mine = true
      if (parsed.event === 'clawchat.run') {
        numbers.add(parsed.payload.run)
        out.heads.push(parsed.payload)
        out.text = parsed.payload.text
      }
    }
    if (!mine) continue
    const bytes = f.bytes ?? wireBytes(f.raw)
    out.frames.push({ raw: f.raw, bytes, parsed })
    out.bytes += bytes
  }
  return out
}

/** Joins text parts or chat deltas: `replace` starts the text over. */
export function joinDeltas(parts: ReadonlyArray<{ deltaText?: string; replace?: boolean }>): string {
  let text = ''
  for (const p of parts) text = p.replace ? (p.deltaText ?? '') : text + (p.deltaText ?? '')
  return text
}
