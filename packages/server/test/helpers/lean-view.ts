/**
 * What a browser makes of the frames it received, in order — as a lean client (run heads, compact
 * deltas, lean finals) and as an OpenClaw client (`chat` deltas joined with `replace`) — for tests
 * that compare the two wires byte for byte.
 */
import { CLAWCHAT_RUN_EVENT, matchesCheck, readLeanDelta, type LeanDelta } from '@clawchat/protocol'
import type { TestClient } from './harness.js'

type Frame = Record<string, any>

/** A run as a lean browser rebuilt it. */
export interface LeanRunSeen {
  text: string
  /** Its `final` payload, when it came. */
  final?: Frame
  /** Did the lean final's `textCheck` pass against `text` (undefined: no check in the final)? */
  checked?: boolean
  heads: Frame[]
  deltas: LeanDelta[]
}

/** Everything a lean browser rebuilt from its frames. */
export interface LeanView {
  runs: Map<string, LeanRunSeen>
  /** The `seq` of every numbered frame (events and compact deltas), in order. */
  seqs: number[]
  /** Every frame, parsed, in order. */
  frames: unknown[]
}

/** The text of a message as the SDK reads it: a string content, or its text parts joined. */
export function textOf(message: any): string {
  if (typeof message?.content === 'string') return message.content
  return (message?.content ?? [])
    .filter((p: any) => p.type === 'text')
    .map((p: any) => p.text)
    .join('')
}

/** Rebuilds the lean wire from `raw` frames (the first `count` of them, default all). */
export function leanView(client: TestClient, count = client.raw.length): LeanView {
  const runs = new Map<string, LeanRunSeen>()
  const numbers = new Map<number, string>()
  const seqs: number[] = []
  const frames: unknown[] = []
  const runOf = (runId: string) => {
    let run = runs.get(runId)
    if (!run) runs.set(runId, (run = { text: '', heads: [], deltas: [] }))
    return run
  }
  for (const text of client.raw.slice(0, count)) {
    const value: unknown = JSON.parse(text)
    frames.push(value)
    if (Array.isArray(value)) {
      const read = readLeanDelta(value)
      if (!read.ok) throw new Error(`${read.message}: ${text}`)
      seqs.push(read.delta.seq)
      const runId = numbers.get(read.delta.run)
      if (runId === undefined) throw new Error(`a compact delta of run ${read.delta.run} before its head: ${text}`)
      const run = runOf(runId)
      run.deltas.push(read.delta)
      run.text = read.delta.replace ? read.delta.deltaText : run.text + read.delta.deltaText
      continue
    }
    const frame = value as Frame
    if (frame.type !== 'event') continue
    if (typeof frame.seq === 'number') seqs.push(frame.seq)
    if (frame.event === CLAWCHAT_RUN_EVENT) {
      numbers.set(frame.payload.run, frame.payload.runId)
      const run = runOf(frame.payload.runId)
      run.heads.push(frame.payload)
      run.text = frame.payload.text
    } else if (frame.event === 'chat' && frame.payload.state === 'final' && frame.payload.runId) {
      const run = runOf(frame.payload.runId)
      run.final = frame.payload
      if (frame.payload.textCheck) run.checked = matchesCheck(run.text, frame.payload.textCheck)
    }
  }
  return { runs, seqs, frames }
}

/** A run as an OpenClaw browser sees it: its `chat` deltas joined (with `replace`), its final's text. */
export function openclawView(client: TestClient, runId: string): { joined: string; final: string | undefined } {
  let joined = ''
  let final: string | undefined
  for (const f of client.events('chat')) {
    if (f.payload.runId !== runId) continue
    if (f.payload.state === 'delta') joined = f.payload.replace ? f.payload.deltaText : joined + f.payload.deltaText
    if (f.payload.state === 'final') final = textOf(f.payload.message)
  }
  return { joined, final }
}

/** Are `seqs` 1, 2, 3, … with no gap? */
export function contiguous(seqs: readonly number[]): boolean {
  return seqs.every((seq, i) => seq === i + 1)
}
