/**
 * Where chat.history shows a run in progress (issue 20, resume after reload), as openclaw 2026.9.6 does
 * (fixtures/recorded/manage-facts.json): a top-level `inFlightRun` with the text so far, `hasActiveRun`
 * in `sessionInfo`, and no `activeRunIds` while something runs (sessions.list rows too); while a run
 * waits for an approval, that run with no text, then the queued run once a message waits behind it.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { connectTool } from './helpers/tool-clients.js'

const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/manage-facts.json', import.meta.url), 'utf8'))
const LINK = ['operator.read', 'operator.write', 'operator.admin']
const h = new Harness()
afterEach(() => h.cleanup())

const runFields = (history: any) => ({
  top: Object.keys(history).filter((key) => ['inFlightRun', 'hasActiveRun', 'activeRunIds'].includes(key)),
  hasActiveRun: history.sessionInfo.hasActiveRun,
  activeRunIds: Object.hasOwn(history.sessionInfo, 'activeRunIds') ? history.sessionInfo.activeRunIds : 'absent',
})
const recordedRunFields = (view: any) => ({
  top: Object.keys(view.top),
  hasActiveRun: view.sessionInfo.hasActiveRun,
  activeRunIds: view.sessionInfo.activeRunIds ?? 'absent',
})

describe('chat.history while a run is in progress', () => {
  it('shows the streaming run as inFlightRun with its text so far; idle afterwards', async () => {
    const gw = await h.gateway({ agent: () => ['chunk01 ', 'chunk02 ', 'chunk03'], chunkDelayMs: 150 })
    const link = await connectTool(h, gw, { scopes: LINK, caps: [] })
    const key = 'clawchat:facts:running'
    await link.request('chat.send', { sessionKey: key, message: 'resume me', idempotencyKey: 'run-1' })
    await link.event('chat', (p) => p.runId === 'run-1' && p.state === 'delta')
    const during = (await link.request('chat.history', { sessionKey: key })).payload
    expect(runFields(during)).toEqual(recordedRunFields(recorded.historyDuringRun.during))
    expect(during.inFlightRun).toEqual({ runId: 'run-1', text: 'chunk01 ', startedAt: expect.any(Number) })
    expect(during.sessionInfo.status).toBe('running')
    const row = (await link.request('sessions.list', { search: 'facts:running' })).payload.sessions[0]
    expect(Object.hasOwn(row, 'activeRunIds')).toBe(Object.hasOwn(recorded.historyDuringRun.listRow, 'activeRunIds'))
    expect(row.hasActiveRun).toBe(true)
    await link.event('chat', (p) => p.runId === 'run-1' && p.state === 'final')
    const after = (await link.request('chat.history', { sessionKey: key })).payload
    expect(runFields(after)).toEqual(recordedRunFields(recorded.historyDuringRun.after))
  })

  it('during an approval wait: the waiting run, then the queued one, with no text', async () => {
    const gw = await h.gateway({ agent: (m: string) => [`ECHO<<${m}>>`], exec: { mode: 'ask' } })
    const link = await connectTool(h, gw, { scopes: LINK, caps: ['tool-events', 'exec-approvals'] })
    const key = 'clawchat:facts:approval'
    const exec = `go [[TOOL:exec]] [[ARGS:${JSON.stringify({ command: 'echo waited' })}]] MSG:w1`
    await link.request('chat.send', { sessionKey: key, message: exec, idempotencyKey: 'first' })
    const req = await link.event('exec.approval.requested', (p) => p.request?.runId === 'first')
    const waiting = (await link.request('chat.history', { sessionKey: key })).payload
    expect(runFields(waiting)).toEqual(recordedRunFields(recorded.historyDuringApproval.waiting))
    expect(waiting.inFlightRun).toMatchObject({ runId: 'first', text: '' })
    await link.request('chat.send', { sessionKey: key, message: 'queued MSG:w2', idempotencyKey: 'second' })
    const queued = (await link.request('chat.history', { sessionKey: key })).payload
    expect(runFields(queued)).toEqual(recordedRunFields(recorded.historyDuringApproval.queued))
    expect(queued.inFlightRun).toMatchObject({ runId: 'second', text: '' })
    await link.request('exec.approval.resolve', { id: req.payload.id, decision: 'allow-once' })
    await link.event('chat', (p) => p.runId === 'first' && p.state === 'final')
    const rows = (await link.request('chat.history', { sessionKey: key })).payload.messages
    expect(rows.at(-2)).toMatchObject({ role: 'user', idempotencyKey: 'second:user' })
    expect(rows.at(-1)).toMatchObject({ role: 'assistant', __openclaw: { runId: 'first' } })
  })
})
