/**
 * One bench user's WebSocket, shared by the three paths: the handshake (subclasses say how), a
 * closed loop of chat runs (`concurrency` runs in flight; a new one starts when one ends, so the
 * amount of data in flight is bounded), and counters taken on raw bytes. Chat frames count only
 * when they belong to this user: through the gateway or the pipe every connection receives every
 * user's events, through ClawChat only its own. A client that asked for ClawChat's lean wire also
 * counts its compact deltas (`[seq, run, "text"]`, merged deltas counted as the deltas they carry)
 * and its run heads (`clawchat.run`, the run's first delta) as chat deltas.
 */
import WebSocket from 'ws'
import {
  COMPACT_FRAME_START,
  PATTERN,
  chunkLength,
  compactTextChars,
  encodeSpec,
  nowMicros,
  readStamp,
  wsHeaderBytes,
  type ReplySpec,
} from '../wire.js'

/** Counters of one client (monotonic; subtract two snapshots for a window). */
export interface ClientCounters {
  /** Frames received, of any kind. */
  frames: number
  /** Payload bytes received. */
  bytes: number
  /** This user's chat deltas received (a merged lean frame counts the deltas it carries). */
  deltas: number
  /** Frames that carried them. */
  deltaFrames: number
  /** Payload bytes of this user's chat delta frames. */
  deltaBytes: number
  /** This user's runs that ended with `final`. */
  finals: number
  /** Runs started (`chat.send` sent). */
  runs: number
  /** Error answers and error/aborted run endings. */
  errors: number
}

/** Frames of one reply, by kind, for the bytes-per-reply scenario. */
export interface ReplyBytes {
  frames: number
  payloadBytes: number
  wireBytes: number
  chatDeltas: number
  /** Frames carrying chat deltas (fewer than `chatDeltas` when lean deltas were merged). */
  chatDeltaFrames: number
  chatDeltaBytes: number
  agentFrames: number
  agentBytes: number
  otherFrames: number
  otherBytes: number
  /** TCP bytes read by the client socket between `chat.send` and the final (headers included). */
  socketBytes: number
}

const AGENT_EVENT = Buffer.from('"event":"agent"', 'latin1')
const MAX_ERRORS_KEPT = 5
const MAX_ERRORS_BEFORE_STOP = 200

function emptyCounters(): ClientCounters {
  return { frames: 0, bytes: 0, deltas: 0, deltaFrames: 0, deltaBytes: 0, finals: 0, runs: 0, errors: 0 }
}

/** A bench user's connection; subclasses give the handshake and the `chat.send` params. */
export abstract class BenchClient {
  readonly counters: ClientCounters = emptyCounters()
  /** The first few error texts (for the report and the smoke test). */
  readonly errorTexts: string[] = []
  /** Latency samples (µs) while `recordLatency` is on. */
  readonly latencies: number[] = []
  recordLatency = false

  protected ws: WebSocket | undefined
  private ready = false
  private inflight = 0
  private streaming = false
  private spec: ReplySpec | undefined
  private nextRequest = 0
  /** Sessions the closed loop spreads its runs over (round robin). */
  private sessions = 1
  private replyWatch: { bytes: ReplyBytes; socketStart: number; resolve: () => void } | undefined
  private idleWaiters: Array<() => void> = []

  constructor(
    readonly label: string,
    protected readonly url: string,
    /** Present in this user's chat frames (direct and pipe); `null` when all are this user's. */
    private readonly ownPattern: Buffer | null,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** `connect` params of this path. */
  protected abstract connectParams(): Record<string, unknown>
  /** `chat.send` params for a reply, on this user's session number `session` (0, 1, …). */
  protected abstract chatSendParams(message: string, idempotencyKey: string, session: number): Record<string, unknown>

  /** What the client does once the handshake is done (nothing by default). */
  protected afterHandshake(_ws: WebSocket): void {}

  /** True after the handshake. */
  get isReady(): boolean {
    return this.ready
  }

  /** Runs in flight. */
  get inFlight(): number {
    return this.inflight
  }

  /** Opens the socket and completes the handshake (bounded by `timeoutMs`). */
  open(timeoutMs = 15_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.url, {
        headers: this.headers,
        perMessageDeflate: false,
        skipUTF8Validation: true,
        maxPayload: 64 * 1024 * 1024,
        handshakeTimeout: timeoutMs,
      })
      this.ws = ws
      const timer = setTimeout(() => {
        fail(new Error(`${this.label}: handshake not done within ${timeoutMs} ms`))
        ws.terminate()
      }, timeoutMs)
      let settled = false
      const fail = (error: Error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        reject(error)
      }
      ws.on('message', (data: Buffer) => {
        if (this.ready) {
          this.onFrame(data)
          return
        }
        let frame: { type?: string; event?: string; id?: string; ok?: boolean; error?: { message?: string } }
        try {
          frame = JSON.parse(data.toString('utf8'))
        } catch {
          return fail(new Error(`${this.label}: a handshake frame was not JSON`))
        }
        if (frame.type === 'event' && frame.event === 'connect.challenge') {
          ws.send(JSON.stringify({ type: 'req', id: 'connect-1', method: 'connect', params: this.connectParams() }))
        } else if (frame.type === 'res' && frame.id === 'connect-1') {
          if (!frame.ok)
            return fail(new Error(`${this.label}: connect refused: ${frame.error?.message ?? 'no reason'}`))
          this.ready = true
          settled = true
          clearTimeout(timer)
          this.afterHandshake(ws)
          resolve()
        }
      })
      ws.on('unexpected-response', (_req, res) =>
        fail(new Error(`${this.label}: upgrade refused with HTTP ${res.statusCode}`)),
      )
      ws.on('error', (error) => fail(new Error(`${this.label}: ${error.message}`)))
      ws.on('close', (code) => {
        if (!settled) fail(new Error(`${this.label}: closed (${code}) during the handshake`))
        else if (this.streaming || this.inflight > 0) this.noteError(`socket closed (${code}) while streaming`)
        this.ready = false
        this.inflight = 0
        this.wakeIdle()
      })
    })
  }

  /**
   * Starts a closed loop of runs: `concurrency` in flight until {@link stopStream}, spread round
   * robin over `concurrency` sessions of this user (about one run in flight per session, as people
   * chat: the gateway's session events list a session's runs in flight, and 96 runs in one session
   * would make each of them ~10 KB).
   */
  startStream(spec: ReplySpec, concurrency: number): void {
    this.spec = spec
    this.sessions = Math.max(1, concurrency)
    this.streaming = true
    for (let i = 0; i < concurrency; i += 1) this.startRun()
  }

  /** Starts no more runs (those in flight finish). */
  stopStream(): void {
    this.streaming = false
  }

  /** Resolves when no run is in flight, or after `timeoutMs` (answers whether it got idle). */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.idleWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /** Sends one run and counts, by kind, every frame received until its final (bounded by `timeoutMs`). */
  async measureReply(spec: ReplySpec, timeoutMs: number): Promise<ReplyBytes> {
    const socket = (this.ws as unknown as { _socket?: { bytesRead: number } })._socket
    const bytes: ReplyBytes = {
      frames: 0,
      payloadBytes: 0,
      wireBytes: 0,
      chatDeltas: 0,
      chatDeltaFrames: 0,
      chatDeltaBytes: 0,
      agentFrames: 0,
      agentBytes: 0,
      otherFrames: 0,
      otherBytes: 0,
      socketBytes: 0,
    }
    const socketStart = socket?.bytesRead ?? 0
    const done = new Promise<void>((resolve) => {
      this.replyWatch = { bytes, socketStart, resolve }
    })
    this.spec = spec
    this.sessions = 1
    this.startRun()
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref())
    const outcome = await Promise.race([done, timer])
    this.replyWatch = undefined
    if (outcome === 'timeout') throw new Error(`${this.label}: the reply did not finish within ${timeoutMs} ms`)
    bytes.socketBytes = (socket?.bytesRead ?? 0) - socketStart
    return bytes
  }

  /** Closes the socket (terminates it if the close handshake takes over 2 s). */
  async close(): Promise<void> {
    const ws = this.ws
    this.streaming = false
    if (!ws || ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate()
        resolve()
      }, 2000)
      ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      ws.close(1000)
    })
  }

  private startRun(): void {
    const ws = this.ws
    const spec = this.spec
    if (!ws || !spec || ws.readyState !== WebSocket.OPEN) return
    this.nextRequest += 1
    this.inflight += 1
    this.counters.runs += 1
    const key = `${this.label}-${this.nextRequest}`
    ws.send(
      JSON.stringify({
        type: 'req',
        id: `r${this.nextRequest}`,
        method: 'chat.send',
        params: this.chatSendParams(encodeSpec(spec), key, this.nextRequest % this.sessions),
      }),
    )
  }

  private runEnded(): void {
    if (this.inflight > 0) this.inflight -= 1
    if (this.streaming && this.counters.errors < MAX_ERRORS_BEFORE_STOP) this.startRun()
    if (this.inflight === 0) this.wakeIdle()
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const wake of waiters) wake()
  }

  /**
   * Ends a reply's count at its final, at once: frames that came in the same read (the gateway's
   * `sessions.changed` right after a final) belong to what follows, not to the reply.
   */
  private endWatch(watch: BenchClient['replyWatch']): void {
    if (!watch) return
    this.replyWatch = undefined
    watch.resolve()
  }

  private noteError(text: string): void {
    this.counters.errors += 1
    if (this.errorTexts.length < MAX_ERRORS_KEPT) this.errorTexts.push(`${this.label}: ${text}`)
  }

  /** Chat deltas a frame carries: 1, or for a merged lean delta the chunks in its text. */
  private deltasIn(data: Buffer): number {
    if (data[0] !== COMPACT_FRAME_START || !this.spec) return 1
    return Math.max(1, Math.round(compactTextChars(data) / chunkLength(this.spec)))
  }

  private onDelta(data: Buffer, received: number): void {
    const c = this.counters
    const deltas = this.deltasIn(data)
    c.deltas += deltas
    c.deltaFrames += 1
    c.deltaBytes += data.length
    if (this.replyWatch) this.tally(this.replyWatch.bytes, 'delta', data.length, deltas)
    if (this.recordLatency) {
      const sent = readStamp(data)
      if (sent !== undefined) this.latencies.push(received - sent)
    }
  }

  private onFrame(data: Buffer): void {
    const received = this.recordLatency ? nowMicros() : 0
    const c = this.counters
    c.frames += 1
    c.bytes += data.length
    // Lean wire (only through ClawChat, only this user's): a compact delta or a run head.
    if (data[0] === COMPACT_FRAME_START || data.indexOf(PATTERN.runHead) !== -1) return this.onDelta(data, received)
    const watch = this.replyWatch
    if (data.indexOf(PATTERN.chatEvent) !== -1) {
      if (this.ownPattern !== null && data.indexOf(this.ownPattern) === -1) {
        if (watch) this.tally(watch.bytes, 'other', data.length)
        return
      }
      if (data.indexOf(PATTERN.delta) !== -1) return this.onDelta(data, received)
      if (watch) this.tally(watch.bytes, 'other', data.length)
      if (data.indexOf(PATTERN.final) !== -1) {
        c.finals += 1
        this.endWatch(watch)
        this.runEnded()
      } else if (data.indexOf(PATTERN.error) !== -1 || data.indexOf(PATTERN.aborted) !== -1) {
        this.noteError(`a run ended without final: ${data.toString('utf8', 0, 300)}`)
        this.endWatch(watch)
        this.runEnded()
      }
      return
    }
    if (watch) this.tally(watch.bytes, data.indexOf(AGENT_EVENT) !== -1 ? 'agent' : 'other', data.length)
    if (data.indexOf(PATTERN.response) !== -1 && data.indexOf(PATTERN.notOk) !== -1) {
      let message = data.toString('utf8', 0, 300)
      try {
        const frame = JSON.parse(data.toString('utf8')) as { error?: { code?: string; message?: string } }
        message = `${frame.error?.code ?? 'ERROR'}: ${frame.error?.message ?? ''}`
      } catch {
        // keep the raw excerpt
      }
      this.noteError(`request refused: ${message}`)
      this.runEnded() // a refused chat.send never starts a run
    }
  }

  private tally(bytes: ReplyBytes, kind: 'delta' | 'agent' | 'other', length: number, deltas = 1): void {
    bytes.frames += 1
    bytes.payloadBytes += length
    bytes.wireBytes += length + wsHeaderBytes(length)
    if (kind === 'delta') {
      bytes.chatDeltas += deltas
      bytes.chatDeltaFrames += 1
      bytes.chatDeltaBytes += length
    } else if (kind === 'agent') {
      bytes.agentFrames += 1
      bytes.agentBytes += length
    } else {
      bytes.otherFrames += 1
      bytes.otherBytes += length
    }
  }
}
