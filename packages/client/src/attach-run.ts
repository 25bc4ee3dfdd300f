import type { ApprovalItem, ChatEvent, ChatHistoryResult, ClawChatRunsResult, QuestionItem } from '@clawchat/protocol'
import { Alarm, systemClock } from './clock.js'
import { ClawChatClosedError, ClawChatRunError } from './errors.js'
import type { Emitter } from './events.js'
import { findReply, textOfMessage } from './history-match.js'
import type { Waiting } from './pending-work.js'
import type { StreamPart } from './stream.js'
import { Inbox, waitingKey, type WorkItem } from './stream-run.js'
import type { ToolCall } from './tool-calls.js'
import { toolCallsFromHistory } from './tool-history.js'

/** What `chat.attach()` needs from its client. */
export interface AttachHost {
  readonly events: Emitter
  readonly quietMs: number
  /** The session's `chat.history` (its run fields: `hasActiveRun`, `activeRunIds`, `inFlightRun`). */
  history(sessionKey: string): Promise<ChatHistoryResult>
  /** The proxy's `clawchat.runs` (the text so far of the user's runs); `undefined` in direct mode. */
  runs: (() => Promise<ClawChatRunsResult>) | undefined
  /** Is `key` (of an event) the session `sessionKey`? */
  sameSession(key: unknown, sessionKey: string): boolean
  /** The pending approvals and questions this client knows. */
  pending(): { approvals: ApprovalItem[]; questions: QuestionItem[] }
  /** What run `runId` waits for now. */
  waitingOf(runId: string): Waiting | null
}

/** What an attached stream waits for: the session's `chat` events and work, or a look at the history. */
export type AttachItem = ChatEvent | WorkItem | 'pending' | 'resync' | 'check'

interface KnownRun {
  /** Text came under its id. */
  spoke: boolean
  ended: boolean
}

/** The history says a run is in progress (a gateway's own history, in direct mode, has `inFlightRun`). */
export const runsNow = (h: ChatHistoryResult): boolean =>
  h.hasActiveRun === true || !!h.inFlightRun || !!h.activeRunIds?.length

/**
 * The run in progress of a session as `chat.attach()` follows it. It follows every run of the
 * session: while a run waits for an approval the gateway shows the *queued* run as in flight and
 * the text then arrives under the first run's id, so the parts name whichever run speaks. It ends
 * at the terminal event of a run that spoke, or once every run it knew of has ended. After a
 * reconnect it looks again: the text from `clawchat.runs`, or the reply from the history.
 *
 * @example
 * const run = new AttachRun(host, 'main'); const off = run.listen()
 * const first = run.start(await host.history('main'), await host.runs?.())
 */
export class AttachRun {
  readonly inbox = new Inbox<AttachItem>()
  /** The run reached its end. */
  ended = false
  #text = ''
  #runId = ''
  readonly #known = new Map<string, KnownRun>()
  #waiting = ''
  #calls: ToolCall[] = []
  #recovering = false
  readonly #quiet = new Alarm(systemClock)

  constructor(
    private readonly host: AttachHost,
    readonly sessionKey: string,
  ) {}

  /** Follows the session's events, `resync`s and a close; returns the function that stops. */
  listen(): () => void {
    const { events, sameSession } = this.host
    const offs = [
      events.on('chat', (e) => {
        if (!sameSession(e?.sessionKey, this.sessionKey)) return
        this.#recovering = false
        this.#quiet.clear()
        this.inbox.push(e)
      }),
      events.on('tool', (tool) => sameSession(tool.sessionKey, this.sessionKey) && this.inbox.push({ tool })),
      events.on('approvals', () => this.inbox.push('pending')),
      events.on('questions', () => this.inbox.push('pending')),
      events.on('resync', () => this.inbox.push('resync')),
      events.on('state', (s) => {
        if (s.state === 'closed') this.inbox.fail(new ClawChatClosedError(s.reason ?? 'closed'))
      }),
    ]
    return () => {
      for (const off of offs) off()
      this.#quiet.clear()
    }
  }

  /** The first part (the text so far), or `undefined` when nothing runs in the session. */
  start(history: ChatHistoryResult, runs: ClawChatRunsResult | undefined): StreamPart | undefined {
    const live = (runs?.runs ?? []).filter((r) => r.sessionKey === this.sessionKey)
    const { activeRunIds = [], inFlightRun } = history
    if (!runsNow(history) && !live.length) return undefined
    for (const id of [...activeRunIds, inFlightRun?.runId, ...live.map((r) => r.runId)]) if (id) this.#know(id)
    const speaking = live.find((r) => r.text) ?? live[0]
    this.#text = speaking?.text ?? inFlightRun?.text ?? ''
    this.#runId = speaking?.runId ?? activeRunIds[0] ?? inFlightRun?.runId ?? ''
    if (this.#text && this.#runId) this.#know(this.#runId).spoke = true
    this.#knowPending()
    this.#calls = toolCallsFromHistory(history).filter((c) => c.status === 'running' && this.#known.has(c.runId))
    return this.#part(this.#text, false, 'delta', false)
  }

  /** The parts after the first: the tool calls in progress (from the history), and what the runs wait for. */
  opening(): StreamPart[] {
    const parts = this.#calls.map((tool) => ({ ...this.#part('', false, 'delta', false), tool }))
    const waiting = this.waitingPart()
    return waiting ? [...parts, waiting] : parts
  }

  /** A change of the session's work or a `chat` event: the part it makes, if any. */
  fromItem(item: Exclude<AttachItem, 'resync' | 'check'>): StreamPart | undefined {
    if (item === 'pending') return this.waitingPart()
    if ('tool' in item) {
      this.#know(item.tool.runId)
      return { ...this.#part('', false, 'delta', false), tool: item.tool }
    }
    if ('waiting' in item) return undefined
    return this.#fromEvent(item)
  }

  /** A part saying what the session's runs wait for, when that changed. */
  waitingPart(): StreamPart | undefined {
    this.#knowPending()
    let waiting: Waiting | null = null
    for (const id of this.#known.keys()) waiting ??= this.host.waitingOf(id)
    if (waitingKey(waiting) === this.#waiting) return undefined
    this.#waiting = waitingKey(waiting)
    return { ...this.#part('', false, 'delta', false), waiting }
  }

  /** After a reconnect (or a quiet spell since): the text from the proxy, or the reply from the history. */
  async fromHistory(item: 'resync' | 'check'): Promise<StreamPart | undefined> {
    if (item === 'resync') this.#recovering = true
    let history: ChatHistoryResult, runs: ClawChatRunsResult | undefined
    try {
      ;[history, runs] = await Promise.all([this.host.history(this.sessionKey), this.host.runs?.()])
    } catch {
      this.#armQuiet() // not available yet (the gateway is still away): look again later
      return undefined
    }
    const live = runs?.runs.find((r) => r.sessionKey === this.sessionKey && r.text)
    if (live) {
      this.#know(live.runId).spoke = true
      this.#armQuiet()
      return this.#advance(live.runId, live.text, false, 'delta', true)
    }
    if (runsNow(history)) {
      this.#armQuiet()
      return undefined
    }
    for (const id of new Set([this.#runId, ...this.#known.keys()])) {
      const reply = findReply(history.messages ?? [], undefined, id).reply
      const text = reply && textOfMessage(reply)
      if (text !== undefined) {
        this.ended = true
        return this.#advance(id, text, false, 'final', true, reply?.stopReason)
      }
    }
    this.ended = true
    throw new ClawChatRunError('lost', this.#runId, `run ${this.#runId} ended while offline; no reply in the history`)
  }

  #fromEvent(e: ChatEvent): StreamPart | undefined {
    const run = this.#know(e.runId)
    const full = textOfMessage((e as { message?: unknown }).message)
    if (e.state === 'delta') {
      if (e.replace === true) return this.#advance(e.runId, full ?? e.deltaText, true, 'delta', false)
      if (full === undefined) return this.#advance(e.runId, this.#text + e.deltaText, false, 'delta', false)
      // An older text than the one the proxy gave (the event came before `clawchat.runs` answered): nothing new.
      if (e.runId === this.#runId && this.#text.startsWith(full)) return undefined
      return this.#advance(e.runId, full, false, 'delta', false)
    }
    if (e.state !== 'final' && e.state !== 'error' && e.state !== 'aborted') return undefined
    run.ended = true
    const last = run.spoke || !!full || [...this.#known.values()].every((r) => r.ended)
    if (!last) return undefined // a run that never spoke (e.g. the queued one steered into a waiting run)
    this.ended = true
    if (e.state === 'final') return this.#advance(e.runId, full ?? this.#text, false, 'final', false, e.stopReason)
    const why = e.errorMessage ?? e.stopReason ?? e.state
    const kind = e.state === 'error' ? e.errorKind : undefined
    throw new ClawChatRunError(e.state, e.runId, `run ${e.runId} ${e.state}: ${why}`, kind)
  }

  #know(runId: string): KnownRun {
    let run = this.#known.get(runId)
    if (!run) this.#known.set(runId, (run = { spoke: false, ended: false }))
    return run
  }

  /** The runs of this session that wait for an approval or an answer are runs of it too. */
  #knowPending(): void {
    const { approvals, questions } = this.host.pending()
    const { sameSession } = this.host
    for (const a of approvals)
      if (a.request?.runId && sameSession(a.request.sessionKey, this.sessionKey)) this.#know(a.request.runId)
    for (const q of questions) if (q.runId && sameSession(q.sessionKey, this.sessionKey)) this.#know(q.runId)
  }

  #armQuiet(): void {
    if (this.#recovering) this.#quiet.set(this.host.quietMs, () => this.inbox.push('check'))
  }

  #part(deltaText: string, replace: boolean, state: 'delta' | 'final', recovered: boolean, stopReason?: string) {
    const p: StreamPart = {
      deltaText,
      text: this.#text,
      replace,
      state,
      runId: this.#runId,
      sessionKey: this.sessionKey,
      recovered,
    }
    if (stopReason !== undefined) p.stopReason = stopReason
    return p
  }

  /** Run `runId` speaks: the text moves to `full` (a remainder, or a restart when it is no continuation). */
  #advance(
    runId: string,
    full: string,
    restart: boolean,
    state: 'delta' | 'final',
    recovered: boolean,
    stopReason?: string,
  ) {
    if (full) this.#know(runId).spoke = true
    this.#runId = runId
    const replace = restart || !full.startsWith(this.#text)
    const delta = replace ? full : full.slice(this.#text.length)
    this.#text = full
    return delta || replace || state === 'final' ? this.#part(delta, replace, state, recovered, stopReason) : undefined
  }
}
