import {
  CLAWCHAT_RUN_EVENT,
  matchesCheck,
  type ChatEvent,
  type ChatHistoryResult,
  type ChatMessage,
  type ClawChatRunsResult,
  type LeanDelta,
  type LeanRunHead,
  type LeanTextCheck,
} from '@clawchat/protocol'
import type { Emitter } from './events.js'
import { findReply, textOfMessage } from './history-match.js'
import { PLAIN, type RequestManager } from './request-manager.js'

/** What the {@link LeanDecoder} needs from its connection. */
export interface LeanHost {
  /** A `chat` event as the page gets it (the request manager sees it too). */
  chat(payload: ChatEvent): void
  /** Something went wrong that no promise reports. */
  error(error: Error): void
  /** Asks the proxy `clawchat.runs` (the text so far of the user's runs in progress). */
  runs(): Promise<ClawChatRunsResult>
  /** A session's latest messages. */
  history(sessionKey: string): Promise<readonly ChatMessage[]>
}

/** One run the decoder rebuilds the text of. */
interface LeanRun {
  sessionKey: string
  /** The text the page was given: the `deltaText`s emitted so far, joined (with `replace`). */
  text: string
  /**
   * Unsure after a gap: its deltas since are held here, not emitted, until `clawchat.runs` says
   * the text; `undefined` while the text is sure.
   */
  held?: LeanDelta[]
}

/** Runs kept at most (the oldest are forgotten first; a run is forgotten anyway when it ends). */
const MAX_RUNS = 1000

const RUN_ENDS: readonly unknown[] = ['final', 'error', 'aborted']

const isCheck = (v: unknown): v is LeanTextCheck =>
  !!v && typeof (v as LeanTextCheck).length === 'number' && typeof (v as LeanTextCheck).fnv1a === 'number'

const isHead = (h: Partial<LeanRunHead> | undefined): h is LeanRunHead =>
  typeof h?.run === 'number' &&
  typeof h.runId === 'string' &&
  typeof h.sessionKey === 'string' &&
  typeof h.text === 'string'

/** A rebuilt `chat` delta: as OpenClaw sends it, `message` holding the whole text so far. */
function deltaEvent(runId: string, sessionKey: string, deltaText: string, text: string, replace: boolean): ChatEvent {
  const message = { role: 'assistant', content: [{ type: 'text', text }] }
  return { runId, sessionKey, state: 'delta', deltaText, message, ...(replace ? { replace } : {}) } as ChatEvent
}

/** A `final` as a lean connection gets it: maybe with `textCheck` instead of its text. */
type LeanFinal = Extract<ChatEvent, { state: 'final' }> & { textCheck?: unknown }

/** A lean `final` with its text put back (and its `textCheck` taken out). */
function finalEvent(e: LeanFinal, text: string): ChatEvent {
  const { textCheck: _, ...rest } = e
  const message = (rest.message ?? { role: 'assistant' }) as Record<string, unknown>
  return { ...rest, message: { ...message, content: [{ type: 'text', text }] } } as ChatEvent
}

/**
 * Turns the lean wire (`@clawchat/protocol` `lean.ts`) back into the `chat` events OpenClaw sends:
 * a `clawchat.run` head and the compact `[seq, run, deltaText(, 1)]` frames become deltas with
 * `message` holding the whole text so far, a lean `final` gets its text back once its `textCheck`
 * passes. Texts are kept per run id across reconnects (a head on a new connection continues the
 * text, or starts it over with `replace`); after a gap the runs are unsure until `clawchat.runs`
 * says their text; a final that fails its check takes its text from `chat.history` — or is emitted
 * with an `error` saying its text may be incomplete. Any other event goes through as it is.
 *
 * @example
 * const lean = new LeanDecoder(leanHost(events, requests))
 * lean.event('clawchat.run', { run: 1, runId, sessionKey: 'main', text: 'Hel' }) // chat delta 'Hel'
 * lean.delta({ seq: 8, run: 1, deltaText: 'lo', replace: false })                 // chat delta 'lo'
 */
export class LeanDecoder {
  readonly #runs = new Map<string, LeanRun>()
  /** This connection's run numbers. */
  #numbers = new Map<number, string>()
  /** Counts connections: an answer asked on an earlier one is not used. */
  #epoch = 0
  /** The `seq` at which the latest gap showed (an older `clawchat.runs` answer does not cover it). */
  #gapSeq = -1

  constructor(private readonly host: LeanHost) {}

  /** A new socket: run numbers start over, and each run that still streams gets a head with its text. */
  connected(): void {
    this.#numbers = new Map()
    this.#epoch++
    this.#gapSeq = -1
    for (const run of this.#runs.values()) run.held = undefined
  }

  /** A `chat` or `clawchat.run` event (any other `chat` event goes to the page as it is). */
  event(name: string, payload: unknown): void {
    if (name === CLAWCHAT_RUN_EVENT) return this.#head(payload as Partial<LeanRunHead> | undefined)
    const e = payload as ChatEvent | undefined
    const check = e?.state === 'final' ? (e as LeanFinal).textCheck : undefined
    if (e?.state === 'final' && isCheck(check)) return this.#final(e, check)
    if (RUN_ENDS.includes(e?.state)) this.#forget(e!.runId)
    this.host.chat(e as ChatEvent)
  }

  /** A compact delta. */
  delta(d: LeanDelta): void {
    const runId = this.#numbers.get(d.run)
    const run = runId === undefined ? undefined : this.#runs.get(runId)
    if (!run) {
      // After a gap the lost frame may have been the run's head: its deltas cannot be read until its final.
      if (this.#gapSeq < 0) this.host.error(new Error(`ClawChat: ignored a lean delta of unknown run ${d.run}`))
      return
    }
    if (run.held) return void run.held.push(d)
    run.text = d.replace ? d.deltaText : run.text + d.deltaText
    this.host.chat(deltaEvent(runId!, run.sessionKey, d.deltaText, run.text, d.replace))
  }

  /** A `seq` was skipped at `seq`: the runs are unsure until `clawchat.runs` answers. */
  gap(seq: number): void {
    this.#gapSeq = seq
    if (!this.#runs.size) return
    for (const run of this.#runs.values()) run.held ??= []
    const epoch = this.#epoch
    this.host.runs().then(
      (answer) => epoch === this.#epoch && this.#correct(answer),
      (err: Error) => {
        if (epoch !== this.#epoch) return
        const why = `ClawChat: clawchat.runs failed after a gap (${err.message}); texts are checked at their final`
        this.host.error(new Error(why))
      },
    )
  }

  #head(h: Partial<LeanRunHead> | undefined): void {
    if (!isHead(h)) return this.host.error(new Error('ClawChat: ignored a clawchat.run event without its fields'))
    this.#numbers.set(h.run, h.runId)
    const run = this.#runs.get(h.runId) ?? this.#remember(h.runId, h.sessionKey)
    run.held = undefined
    this.#moveTo(h.runId, run, h.text, h.replace === true)
  }

  /** Sets the unsure runs' texts from the answer (and what came after it), one correcting delta each. */
  #correct(answer: ClawChatRunsResult | undefined): void {
    const { runs, seq } = answer ?? {}
    if (!Array.isArray(runs) || typeof seq !== 'number')
      return this.host.error(new Error('ClawChat: ignored a clawchat.runs answer without runs and seq'))
    if (seq < this.#gapSeq) return // asked before the latest gap: the answer to that one is on its way
    for (const r of runs) {
      if (typeof r?.runId !== 'string' || typeof r.text !== 'string') continue
      const known = this.#runs.get(r.runId)
      if (known && !known.held) continue // sure: headed since
      const run = known ?? this.#remember(r.runId, r.sessionKey)
      let text = r.text
      for (const d of run.held ?? []) if (d.seq > seq) text = d.replace ? d.deltaText : text + d.deltaText
      run.held = undefined
      this.#moveTo(r.runId, run, text, false)
    }
  }

  /** Moves the run's text to `text`: a delta of the rest, or `replace` when it is no continuation. */
  #moveTo(runId: string, run: LeanRun, text: string, replace: boolean): void {
    replace ||= !text.startsWith(run.text)
    const deltaText = replace ? text : text.slice(run.text.length)
    run.text = text
    if (replace || deltaText) this.host.chat(deltaEvent(runId, run.sessionKey, deltaText, text, replace))
  }

  /** A lean final: its text when it passes the check, else the reply in `chat.history`. */
  #final(e: LeanFinal, check: LeanTextCheck): void {
    const text = this.#runs.get(e.runId)?.text ?? ''
    this.#forget(e.runId)
    if (matchesCheck(text, check)) return this.host.chat(finalEvent(e, text))
    const fromHistory = (messages: readonly ChatMessage[]) => {
      const reply = findReply(messages, undefined, e.runId).reply
      return reply && textOfMessage(reply)
    }
    void this.host
      .history(e.sessionKey)
      .then(fromHistory, () => null)
      .then((recovered) => {
        if (typeof recovered === 'string' && matchesCheck(recovered, check))
          return this.host.chat(finalEvent(e, recovered))
        const what =
          recovered === null ? 'could not be read' : recovered === undefined ? 'has no reply of it' : 'differs'
        const message = `ClawChat: the final text of run ${e.runId} failed its check and chat.history ${what}`
        this.host.error(new Error(`${message}; the text may be incomplete`))
        // Neither passes: the longer one (what is missing is more likely a lost piece than an extra one).
        this.host.chat(finalEvent(e, recovered && recovered.length > text.length ? recovered : text))
      })
  }

  #remember(runId: string, sessionKey: string): LeanRun {
    const run: LeanRun = { sessionKey, text: '' }
    this.#runs.set(runId, run)
    if (this.#runs.size > MAX_RUNS) this.#forget(this.#runs.keys().next().value!)
    return run
  }

  #forget(runId: string): void {
    if (!this.#runs.delete(runId)) return
    for (const [n, id] of this.#numbers) if (id === runId) this.#numbers.delete(n)
  }
}

/**
 * The {@link LeanHost} of a connection: chat events to the request manager and the page, the
 * requests through the request manager.
 *
 * @example
 * new LeanDecoder(leanHost(conn.events, conn.requests))
 */
export function leanHost(events: Emitter, requests: RequestManager): LeanHost {
  return {
    chat(payload) {
      requests.onChatEvent(payload)
      events.emit('chat', payload)
    },
    error: (error) => events.emit('error', error),
    runs: () => requests.call('clawchat.runs', {}, {}, PLAIN) as Promise<ClawChatRunsResult>,
    history: async (sessionKey) => {
      const result = (await requests.call('chat.history', { sessionKey, limit: 100 }, {}, PLAIN)) as ChatHistoryResult
      return result.messages ?? []
    },
  }
}
