/**
 * What the mock gateway sends, counted where it sends: wraps `ws`'s `WebSocket.prototype.send` in
 * the mock's process (like the send stamp; the mock's code is untouched) and counts every frame by
 * kind, with its bytes, and wraps `net.Socket`'s `_write`/`_writev` to count the writes the
 * gateway's sockets hand to the kernel (one `writev` system call each, unless the kernel takes it in
 * parts). The relay's CPU per gateway event divides by these frames; they also show how many
 * frames per chat delta each path's connection costs the gateway (sessions.changed after every run
 * step goes only to a connection that called `sessions.subscribe`, as clawchatProxy's link does).
 */
import { Socket } from 'node:net'
import { WebSocket } from 'ws'

/** Frame kinds the tally keeps apart. */
export const FRAME_KINDS = [
  'chatDelta',
  'chatOther',
  'agentAssistant',
  'agentOther',
  'sessionsChanged',
  'sessionMessage',
  'otherEvent',
  'response',
] as const

/** One kind of frame. */
export type FrameKind = (typeof FRAME_KINDS)[number]

/** Counters of the gateway's sends (monotonic; subtract two readings for a window). */
export interface SendTally {
  /** Frames sent (every kind). */
  frames: number
  /** Payload bytes of those frames (string length; the bench's text is ASCII). */
  bytes: number
  /** Frames by kind. */
  byKind: Record<FrameKind, number>
  /** Bytes by kind. */
  bytesByKind: Record<FrameKind, number>
  /** `_write` / `_writev` calls on the process's sockets (≈ write system calls). */
  socketWrites: number
  /** Chunks handed over in those calls (a `ws` frame is 1–2 chunks: header, payload). */
  socketChunks: number
}

const EVENT_PREFIX = '{"type":"event","event":"'

function kindOf(frame: string): FrameKind {
  if (!frame.startsWith(EVENT_PREFIX)) return 'response'
  const at = EVENT_PREFIX.length
  if (frame.startsWith('chat"', at)) return frame.indexOf('"state":"delta"', at) !== -1 ? 'chatDelta' : 'chatOther'
  if (frame.startsWith('agent"', at))
    return frame.indexOf('"stream":"assistant"', at) !== -1 ? 'agentAssistant' : 'agentOther'
  if (frame.startsWith('sessions.changed"', at)) return 'sessionsChanged'
  if (frame.startsWith('session.message"', at)) return 'sessionMessage'
  return 'otherEvent'
}

function zeros(): Record<FrameKind, number> {
  return Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>
}

let installed: SendTally | undefined

/**
 * Installs the counters once per process (idempotent) and answers the live tally.
 *
 * @example
 * const tally = installSendTally(); ...; console.log(tally.byKind.sessionsChanged)
 */
export function installSendTally(): SendTally {
  if (installed) return installed
  const tally: SendTally = {
    frames: 0,
    bytes: 0,
    byKind: zeros(),
    bytesByKind: zeros(),
    socketWrites: 0,
    socketChunks: 0,
  }
  const send = WebSocket.prototype.send
  WebSocket.prototype.send = function countedSend(this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (typeof data === 'string') {
      const kind = kindOf(data)
      tally.frames += 1
      tally.bytes += data.length
      tally.byKind[kind] += 1
      tally.bytesByKind[kind] += data.length
    }
    return (send as (...args: unknown[]) => void).call(this, data, ...rest)
  } as typeof WebSocket.prototype.send
  const proto = Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>
  const write = proto._write
  const writev = proto._writev
  if (write)
    proto._write = function countedWrite(this: Socket, ...args: unknown[]) {
      tally.socketWrites += 1
      tally.socketChunks += 1
      return write.apply(this, args)
    }
  if (writev)
    proto._writev = function countedWritev(this: Socket, chunks: unknown, ...rest: unknown[]) {
      tally.socketWrites += 1
      tally.socketChunks += Array.isArray(chunks) ? chunks.length : 1
      return writev.call(this, chunks, ...rest)
    }
  installed = tally
  return tally
}
