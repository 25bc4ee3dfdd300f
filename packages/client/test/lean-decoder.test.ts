import { describe, expect, it } from 'vitest'
import { textCheck, type ChatMessage, type ClawChatRunsResult, type LeanDelta } from '@clawchat/protocol'
import { LeanDecoder, type LeanHost } from '../src/lean-decoder.js'

const RUN = 'run-a'

/** A decoder on a scripted host: what it emits, what it asks. */
function decoder(history: () => Promise<readonly ChatMessage[]> = async () => []) {
  const chats: any[] = []
  const errors: string[] = []
  const runsAsked: Array<(answer: ClawChatRunsResult) => void> = []
  const historyAsked: string[] = []
  const host: LeanHost = {
    chat: (e) => chats.push(e),
    error: (e) => errors.push(e.message),
    runs: () => new Promise((resolve) => runsAsked.push(resolve)),
    history: (sessionKey) => {
      historyAsked.push(sessionKey)
      return history()
    },
  }
  const lean = new LeanDecoder(host)
  lean.connected()
  let seq = 0
  const head = (run: number, text: string, extra: object = {}, runId = RUN) =>
    lean.event('clawchat.run', { run, runId, sessionKey: 'main', text, ...extra })
  const delta = (run: number, deltaText: string, replace = false, at = ++seq) =>
    lean.delta({ seq: at, run, deltaText, replace } satisfies LeanDelta)
  const final = (text: string, runId = RUN) =>
    lean.event('chat', {
      runId,
      sessionKey: 'main',
      seq: 9,
      state: 'final',
      stopReason: 'stop',
      message: { role: 'assistant', timestamp: 5 },
      textCheck: textCheck(text),
    })
  return { lean, chats, errors, runsAsked, historyAsked, head, delta, final, skip: () => ++seq, seq: () => seq }
}

/** What a page joining the deltas (with replace) has. */
function joined(chats: any[], runId = RUN): string {
  let text = ''
  for (const e of chats.filter((c) => c.runId === runId && c.state === 'delta'))
    text = e.replace ? e.deltaText : text + e.deltaText
  return text
}

const settled = () => new Promise((r) => setTimeout(r, 0))
const delta = (deltaText: string, text: string, replace = false) => ({
  runId: RUN,
  sessionKey: 'main',
  state: 'delta',
  deltaText,
  message: { role: 'assistant', content: [{ type: 'text', text }] },
  ...(replace ? { replace: true } : {}),
})

describe('LeanDecoder: the lean wire back into OpenClaw chat events', () => {
  it('turns a head and compact deltas (one of them merged) into deltas holding the whole text, and the final', () => {
    const d = decoder()
    d.head(1, 'Hel')
    d.delta(1, 'lo')
    d.delta(1, ' wor' + 'ld') // two deltas the proxy merged into one frame
    d.final('Hello world')
    expect(d.chats).toEqual([
      delta('Hel', 'Hel'),
      delta('lo', 'Hello'),
      delta(' world', 'Hello world'),
      {
        runId: RUN,
        sessionKey: 'main',
        seq: 9,
        state: 'final',
        stopReason: 'stop',
        message: { role: 'assistant', timestamp: 5, content: [{ type: 'text', text: 'Hello world' }] },
      },
    ])
    expect(d.historyAsked).toEqual([])
    expect(d.errors).toEqual([])
  })

  it('starts the text over on a replace delta, and on a head that says replace', () => {
    const d = decoder()
    d.head(1, 'Part')
    d.delta(1, 'ial')
    d.delta(1, '', true)
    d.delta(1, 'Whole')
    d.head(2, 'Again', { replace: true }, 'run-b')
    expect(d.chats).toEqual([
      delta('Part', 'Part'),
      delta('ial', 'Partial'),
      delta('', '', true),
      delta('Whole', 'Whole'),
      { ...delta('Again', 'Again', true), runId: 'run-b' },
    ])
    expect(joined(d.chats)).toBe('Whole')
  })

  it('after a reconnect, continues a known run from its head, or starts it over when the head is no continuation', () => {
    const d = decoder()
    d.head(1, 'Hello')
    d.head(2, 'Bonjour', {}, 'run-b')
    d.lean.connected()
    d.chats.length = 0
    d.delta(1, 'stale number') // numbers are per connection: run 1 means nothing on the new one
    expect(d.errors).toEqual(['ClawChat: ignored a lean delta of unknown run 1'])
    d.head(1, 'Bonjour tout le monde', {}, 'run-b')
    d.head(2, 'Goodbye')
    d.delta(2, '!')
    expect(d.chats).toEqual([
      { ...delta(' tout le monde', 'Bonjour tout le monde'), runId: 'run-b' },
      delta('Goodbye', 'Goodbye', true),
      delta('!', 'Goodbye!'),
    ])
  })

  it('after a gap, holds the runs until clawchat.runs answers, then emits one correcting delta per run', async () => {
    const d = decoder()
    d.head(1, 'Hello')
    d.head(2, 'One', {}, 'run-b')
    d.skip() // lost: ' world' of run 1
    d.lean.gap(d.seq() + 1) // the connection sees the gap at the next frame, before passing that frame on
    d.delta(1, '!')
    d.delta(1, '?')
    const answerSeq = d.seq()
    d.delta(1, ' Bye') // after the answer was sent: not in its text
    d.delta(2, ' two')
    expect(d.chats.map((c) => c.deltaText)).toEqual(['Hello', 'One'])
    expect(d.runsAsked).toHaveLength(1)
    d.runsAsked[0]!({
      seq: answerSeq,
      runs: [
        { runId: RUN, sessionKey: 'main', text: 'Hello world!?' },
        { runId: 'run-b', sessionKey: 'main', text: 'Uno' }, // the text started over in the gap
      ],
    })
    await settled()
    expect(d.chats.slice(2)).toEqual([
      delta(' world!? Bye', 'Hello world!? Bye'),
      { ...delta('Uno two', 'Uno two', true), runId: 'run-b' },
    ])
    d.delta(1, '.')
    expect(joined(d.chats)).toBe('Hello world!? Bye.')
    expect(joined(d.chats, 'run-b')).toBe('Uno two')
    expect(d.errors).toEqual([])
  })

  it('ignores an answer asked before a later gap, and uses the later one', async () => {
    const d = decoder()
    d.head(1, 'A')
    d.skip()
    d.lean.gap(d.seq() + 1)
    d.delta(1, 'c')
    const firstSeq = d.seq()
    d.skip()
    d.lean.gap(d.seq() + 1)
    d.delta(1, 'e')
    d.runsAsked[0]!({ seq: firstSeq, runs: [{ runId: RUN, sessionKey: 'main', text: 'Abc' }] })
    await settled()
    expect(d.chats).toHaveLength(1)
    d.runsAsked[1]!({ seq: d.seq(), runs: [{ runId: RUN, sessionKey: 'main', text: 'Abcde' }] })
    await settled()
    expect(joined(d.chats)).toBe('Abcde')
  })

  it('gives the text of a run whose head was lost in the gap from the answer', async () => {
    const d = decoder()
    d.head(1, 'A')
    d.skip() // lost: the head of run 2 (run-b)
    d.lean.gap(d.seq() + 1)
    d.delta(2, ' more') // cannot be read: its number was never seen
    d.runsAsked[0]!({ seq: d.seq(), runs: [{ runId: 'run-b', sessionKey: 'main', text: 'B more' }] })
    await settled()
    expect(d.chats.slice(1)).toEqual([{ ...delta('B more', 'B more'), runId: 'run-b' }])
    expect(d.errors).toEqual([])
  })

  it('asks nothing after a gap when no run is in progress', () => {
    const d = decoder()
    d.skip()
    d.lean.gap(2)
    expect(d.runsAsked).toHaveLength(0)
    d.delta(7, 'of a run whose head was lost') // expected after a gap: no error
    expect(d.errors).toEqual([])
  })

  it('takes the text of a final that fails its check from chat.history (by run id)', async () => {
    const rows: ChatMessage[] = [
      { role: 'user', content: 'hi', runId: RUN } as ChatMessage,
      { role: 'assistant', content: [{ type: 'text', text: 'Hello world' }], runId: RUN } as ChatMessage,
      { role: 'assistant', content: [{ type: 'text', text: 'Other' }], runId: 'run-z' } as ChatMessage,
    ]
    const d = decoder(async () => rows)
    d.head(1, 'Hello')
    d.final('Hello world') // the text ' world' never came
    expect(d.chats).toHaveLength(1)
    await settled()
    expect(d.historyAsked).toEqual(['main'])
    expect(d.chats[1]).toMatchObject({ state: 'final', message: { content: [{ type: 'text', text: 'Hello world' }] } })
    expect(d.chats[1]).not.toHaveProperty('textCheck')
    expect(d.errors).toEqual([])
  })

  it('recovers the final of a run it never saw from chat.history too', async () => {
    const rows = [{ role: 'assistant', content: 'Done.', runId: 'run-q' } as ChatMessage]
    const d = decoder(async () => rows)
    d.final('Done.', 'run-q')
    await settled()
    expect(d.chats).toEqual([expect.objectContaining({ runId: 'run-q', state: 'final' })])
    expect(d.chats[0].message.content).toEqual([{ type: 'text', text: 'Done.' }])
  })

  it('emits the final with what it has and an error when chat.history cannot fix it', async () => {
    for (const history of [async () => [], async () => Promise.reject(new Error('down'))]) {
      const d = decoder(history)
      d.head(1, 'Hello')
      d.final('Hello world')
      await settled()
      expect(d.chats[1].message.content).toEqual([{ type: 'text', text: 'Hello' }])
      expect(d.errors).toHaveLength(1)
      expect(d.errors[0]).toMatch(/final text of run run-a failed its check.*the text may be incomplete/)
    }
  })

  it('when the history has another text, emits the longer of the two with an error', async () => {
    const rows = [{ role: 'assistant', content: 'Hello wor', runId: RUN } as ChatMessage] // e.g. cut by the history
    const d = decoder(async () => rows)
    d.head(1, 'Hel')
    d.final('Hello world')
    await settled()
    expect(d.chats[1].message.content).toEqual([{ type: 'text', text: 'Hello wor' }])
    expect(d.errors).toEqual([
      'ClawChat: the final text of run run-a failed its check and chat.history differs; the text may be incomplete',
    ])
  })

  it('passes every other chat event on as it is, and forgets a run at its end', () => {
    const d = decoder()
    const status = { runId: RUN, sessionKey: 'main', seq: 1, state: 'status', phase: 'starting_model' }
    const full = { runId: RUN, sessionKey: 'main', seq: 2, state: 'delta', deltaText: 'x', message: { content: 'x' } }
    const error = { runId: RUN, sessionKey: 'main', seq: 3, state: 'error', errorMessage: 'boom' }
    d.head(1, 'Hi')
    for (const e of [status, full, error]) d.lean.event('chat', e)
    expect(d.chats.slice(1)).toEqual([status, full, error])
    d.delta(1, 'late')
    expect(d.errors).toEqual(['ClawChat: ignored a lean delta of unknown run 1'])
  })

  it('reports a clawchat.run event without its fields', () => {
    const d = decoder()
    d.lean.event('clawchat.run', { run: 1, runId: RUN })
    expect(d.chats).toEqual([])
    expect(d.errors).toEqual(['ClawChat: ignored a clawchat.run event without its fields'])
  })
})
