import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'
import { expectSameShape } from './helpers/shape.js'

/**
 * The `chat.history` bounds and paging, and `sessions.list {search, limit, offset, …}`, against what
 * the real gateway 2026.9.6 answered to the same requests (test/fixtures/paging/, recorded with
 * e2e/real-gateway/probes/history-and-list.probe.ts; its README says when). ClawChat relies on
 * them to bound every answer (issue 16.1) and to list one user's sessions in one request (16.3).
 */
const h = new Harness()
afterEach(() => h.cleanup())

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/paging/${name}`, import.meta.url), 'utf8'))

/** Answers like the reference's fake model: `ECHO<<text>>` at once. */
const echo: MockAgent = (message) => [`ECHO<<${message}>>`]

let runs = 0
async function chat(c: RawClient, sessionKey: string, message: string): Promise<void> {
  const idempotencyKey = `conf-${(runs += 1)}`
  const ack = await c.request('chat.send', { sessionKey, message, idempotencyKey }, undefined, 20_000)
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  await c.event('chat', (p) => p.runId === idempotencyKey && p.state === 'final', 20_000)
}

function textLengths(messages: any[]): number[] {
  return messages.map((m) =>
    typeof m.content === 'string'
      ? m.content.length
      : m.content.reduce((n: number, p: any) => n + (typeof p.text === 'string' ? p.text.length : 0), 0),
  )
}

/** The same summary the probe recorded of each answer. */
function summary(res: any): Record<string, unknown> {
  const p = res.payload ?? {}
  return {
    ok: res.ok,
    messages: p.messages?.length,
    textLengths: p.messages ? textLengths(p.messages) : undefined,
    topLevel: Object.keys(p),
    hasMore: p.hasMore,
    totalMessages: p.totalMessages,
    offset: p.offset,
    nextOffset: p.nextOffset,
  }
}

function recordedSummary(r: any): Record<string, unknown> {
  return {
    ok: r.ok,
    messages: r.messages,
    textLengths: r.textLengths,
    topLevel: r.topLevel,
    hasMore: r.hasMore,
    totalMessages: r.totalMessages,
    offset: r.offset,
    nextOffset: r.nextOffset,
  }
}

describe('chat.history: texts cut to maxChars, oversized messages replaced, paged with offset', () => {
  const recorded = fixture('history-small.json')
  const frames = fixture('history-small-frames.json')

  it('answers every recorded variant with the same messages, lengths and paging fields', async () => {
    const gw = await h.gateway({ agent: echo })
    const c = await h.connected(gw)
    const key = 'clawchat:probe:small'
    for (let i = 1; i <= 3; i += 1) await chat(c, key, `MSG:small-${i} ${'s'.repeat(20_000)}`)
    await chat(c, key, `MSG:big ${'b'.repeat(200_000)}`)
    const variants: Record<string, unknown> = {
      all: { sessionKey: key },
      limit2: { sessionKey: key, limit: 2 },
      limit2offset2: { sessionKey: key, limit: 2, offset: 2 },
      limit2offset6: { sessionKey: key, limit: 2, offset: 6 },
      maxChars100: { sessionKey: key, maxChars: 100 },
      maxChars500000: { sessionKey: key, maxChars: 500_000 },
      offset0: { sessionKey: key, limit: 3, offset: 0 },
    }
    for (const [name, params] of Object.entries(variants)) {
      const res = await c.request('chat.history', params)
      expect(summary(res), name).toEqual(recordedSummary(recorded[name]))
    }
    // The cut text ends with the gateway's marker and the message says why; the oversized one is a placeholder.
    const cut = await c.request('chat.history', { sessionKey: key, limit: 2 })
    expect(cut.payload.messages[0].content.endsWith('\n...(truncated)...')).toBe(true)
    expect(cut.payload.messages[0].__openclaw).toMatchObject({ truncated: true, reason: 'display-cap' })
    expectSameShape(cut, frames.limit2, { ignore: ['$.payload.sessionInfo.*', '$.payload.defaults.*'] })
    expectSameShape(await c.request('chat.history', { sessionKey: key, limit: 2, offset: 2 }), frames.limit2offset2, {
      ignore: ['$.payload.sessionInfo.*', '$.payload.defaults.*'],
    })
    const whole = await c.request('chat.history', { sessionKey: key, maxChars: 500_000 })
    expect(whole.payload.messages.at(-1)).toMatchObject({
      content: [{ type: 'text', text: '[chat.history omitted: message too large]' }],
      __openclaw: { truncated: true, reason: 'oversized' },
    })
  })

  it('refuses the recorded bad params with the recorded errors (maxBytes included)', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    for (const bad of [{ limit: 1001 }, { maxChars: 500_001 }, { maxChars: 0 }, { maxBytes: 10 }]) {
      const res = await c.request('chat.history', { sessionKey: 'x', ...bad })
      expect({ ok: res.ok, error: res.error }).toEqual(recorded[`bad ${JSON.stringify(bad)}`])
    }
  })
})

describe('chat.history: maxBytes and the 6 MiB cap', () => {
  const recorded = fixture('history-cap.json')

  it('keeps the newest messages within maxBytes (at least one), says where the older ones start, never sends more than 6 MiB', async () => {
    const gw = await h.gateway({ agent: echo })
    const c = await h.connected(gw)
    const cap = 'clawchat:probe:cap'
    // 62 messages, 60 of them of ~120,000 characters, like the recorded session.
    await chat(c, cap, 'MSG:cap-start')
    for (let i = 1; i <= 30; i += 1) await chat(c, cap, `MSG:cap-${i} ${String(i % 10).repeat(120_000)}`)
    const ask = (params: Record<string, unknown>) =>
      c.request('chat.history', { sessionKey: cap, ...params }, undefined, 20_000)
    // Exactly as recorded where the sizes leave no room for doubt.
    const exact: Record<string, Record<string, unknown>> = {
      'limit1000 maxChars500000 maxBytes262144': { limit: 1000, maxChars: 500_000, maxBytes: 262_144 },
      'limit1000 maxChars500000 maxBytes1024': { limit: 1000, maxChars: 500_000, maxBytes: 1024 },
      'limit5 offset5 maxChars500000 maxBytes262144': { limit: 5, offset: 5, maxChars: 500_000, maxBytes: 262_144 },
    }
    for (const [name, params] of Object.entries(exact)) {
      const r = summary(await ask(params))
      const want = recorded[name]
      const fields = (x: Record<string, unknown>) => ({
        messages: x.messages,
        hasMore: x.hasMore,
        nextOffset: x.nextOffset,
        offset: x.offset,
        totalMessages: x.totalMessages,
      })
      expect(fields(r), name).toEqual(fields(want))
    }
    // The 6 MiB cap (maxBytes larger or absent): the newest messages that fit, as many as recorded give or take one.
    for (const params of [
      { limit: 1000, maxChars: 500_000 },
      { limit: 1000, maxChars: 500_000, maxBytes: 1_000_000_000 },
    ]) {
      const res = await ask(params)
      const bytes = Buffer.byteLength(JSON.stringify(res.payload.messages))
      expect(bytes).toBeLessThanOrEqual(6 * 1024 * 1024)
      expect(Math.abs(res.payload.messages.length - recorded['limit1000 maxChars500000'].messages)).toBeLessThanOrEqual(
        1,
      )
      expect(res.payload).toMatchObject({ hasMore: true, nextOffset: res.payload.messages.length, totalMessages: 62 })
    }
    // Short texts: as many as fit in maxBytes.
    const short = await ask({ limit: 100, maxChars: 4000, maxBytes: 262_144 })
    const bytes = Buffer.byteLength(JSON.stringify(short.payload.messages))
    expect(bytes).toBeLessThanOrEqual(262_144)
    expect(short.payload.messages.every((m: any) => textLengths([m])[0]! <= 4018)).toBe(true)
    expect(
      Math.abs(short.payload.messages.length - recorded['limit100 maxChars4000 maxBytes262144'].messages) /
        recorded['limit100 maxChars4000 maxBytes262144'].messages,
    ).toBeLessThan(0.1)
    expect(short.payload.nextOffset).toBe(short.payload.messages.length)
  }, 60_000)
})

describe('sessions.list: search and the other filters as recorded', () => {
  const recorded = fixture('sessions-list-search.json')
  const frame = fixture('sessions-list-search-frame.json')

  it('matches the same keys, totals and paging fields for every recorded search', async () => {
    const gw = await h.gateway({ agent: echo })
    const c = await h.connected(gw)
    const b: Record<string, string> = recorded.encoded
    for (const id of Object.keys(b)) {
      await chat(c, `clawchat:${b[id]}:main`, `MSG:list-${id}-main`)
      await chat(c, `clawchat:${b[id]}:work`, `MSG:list-${id}-work`)
    }
    await chat(c, `xclawchat:${b.ab}:main`, 'MSG:other-namespace')
    await chat(c, `clawchat2:${b.ab}:main`, 'MSG:other-namespace-2')
    await chat(c, `clawchat:${b.b}:quote`, `MSG:quote clawchat:${b.ab}:main agent:main:clawchat:${b.ab}:`)
    const variants: Record<string, Record<string, unknown>> = {
      'search ns:b32(ab):': { search: `clawchat:${b.ab}:` },
      'search :ns:b32(ab):': { search: `:clawchat:${b.ab}:` },
      'search :ns:b32(a):': { search: `:clawchat:${b.a}:` },
      'search :ns:b32(b):': { search: `:clawchat:${b.b}:` },
      'search agent:main:ns:b32(ab):': { search: `agent:main:clawchat:${b.ab}:` },
      'search NS:B32(AB): upper': { search: `CLAWCHAT:${b.ab!.toUpperCase()}:` },
      'search ns:b32(a):': { search: `clawchat:${b.a}:` },
      'search ns:b32(ab) no colon': { search: `clawchat:${b.ab}` },
      'search quote text': { search: 'MSG:quote' },
      'search echo text': { search: 'ECHO<<' },
      'search list-ab-main (message text)': { search: 'list-ab-main' },
      'search + includeLastMessage + includeDerivedTitles': {
        search: `clawchat:${b.ab}:`,
        includeLastMessage: true,
        includeDerivedTitles: true,
      },
      'search + limit 1': { search: `clawchat:${b.ab}:`, limit: 1 },
      'search + limit 1 offset 1': { search: `clawchat:${b.ab}:`, limit: 1, offset: 1 },
      'search + sortBy lastInteractionAt': { search: `clawchat:${b.ab}:`, sortBy: 'lastInteractionAt' },
      label: { label: `clawchat:${b.ab}:main` },
      'agentId nope': { agentId: 'nope' },
      'creatorId gateway-client': { creatorId: 'gateway-client' },
      'ownerId gateway-owner': { ownerId: 'gateway-owner' },
      'archived true': { archived: true },
      'limit 0': { limit: 0 },
    }
    for (const [name, params] of Object.entries(variants)) {
      const res = await c.request('sessions.list', params)
      const p = res.payload ?? {}
      const want = recorded[name]
      const got = {
        ok: res.ok,
        error: res.error,
        keys: (p.sessions ?? []).map((s: any) => s.key).sort(),
        count: p.count,
        totalCount: p.totalCount,
        limitApplied: p.limitApplied,
        offset: p.offset,
        nextOffset: p.nextOffset,
        hasMore: p.hasMore,
        preview: p.sessions?.[0]?.lastMessagePreview,
        derivedTitle: p.sessions?.[0]?.derivedTitle,
      }
      const expected = {
        ok: want.ok,
        error: want.error ?? undefined,
        keys: want.keys,
        count: want.count ?? undefined,
        totalCount: want.totalCount ?? undefined,
        limitApplied: want.limitApplied ?? undefined,
        offset: want.offset ?? undefined,
        nextOffset: want.nextOffset,
        hasMore: want.hasMore ?? undefined,
        preview: want.preview ?? undefined,
        derivedTitle: want.derivedTitle ?? undefined,
      }
      expect(got, name).toEqual(expected)
    }
    // The recorded row of a searched page, with a preview: same shape.
    const page = await c.request('sessions.list', frame.params)
    expectSameShape(page, frame.res, {
      ignore: ['$.payload.defaults.*', '$.payload.sessions[].contextBudgetStatus', '$.payload.sessions[].placement'],
    })
  }, 60_000)

  it('shows a running session as active with the message being answered as its preview', async () => {
    const recordedRows = fixture('sessions-list-active-run.json')
    const slowAgent: MockAgent = (message, { signal }) =>
      (async function* () {
        for (let i = 0; i < 50 && !signal.aborted; i += 1) {
          await sleep(20) // a slow model
          yield `chunk${i} `
        }
      })()
    const gw = await h.gateway({ agent: slowAgent })
    const c = await h.connected(gw)
    const key = `clawchat:${fixture('sessions-list-search.json').encoded.ab}:slow`
    await c.request('chat.send', { sessionKey: key, message: '[[SLOW]] MSG:slow', idempotencyKey: 'slow-1' })
    await c.event('chat', (p) => p.runId === 'slow-1' && p.state === 'delta', 5000)
    const res = await c.request('sessions.list', {
      search: `:clawchat:${fixture('sessions-list-search.json').encoded.ab}:`,
      includeLastMessage: true,
    })
    const row = res.payload.sessions.find((s: any) => s.key === `agent:main:${key}`)
    const want = recordedRows.find((r: any) => r.key === `agent:main:${key}`)
    expect({
      key: row.key,
      hasActiveRun: row.hasActiveRun,
      status: row.status,
      lastMessagePreview: row.lastMessagePreview,
    }).toEqual(want)
    await c.request('chat.abort', { sessionKey: key })
  })
})
