// Probe (not a test): what the REAL gateway's `chat.history` and `sessions.list` do with the
// parameters ClawChat relies on to bound what one user can make the gateway send back (issue 16.1)
// and to list one user's sessions without paging through everyone's (issue 16.3). Prints one JSON
// summary per section; set PROBE_OUT=<folder> to also write the summaries and the small verbatim
// frames there (they became packages/mock-gateway/test/fixtures/paging/).
//
//   cd e2e && npx vitest run --config real-gateway/probes/vitest.config.ts
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, it } from 'vitest'
import { base32Encode } from '../../../packages/server/src/isolation/session-keys.js'
import { ensureRealGatewayInstalled } from '../ensure-installed.js'
import { startFakeModel, type FakeModel } from '../fake-model.js'
import { startRealGateway, type RealGateway } from '../gateway.js'
import { RawWs } from '../raw-ws.js'

let model: FakeModel
let gateway: RealGateway
const sockets: RawWs[] = []
const out = process.env.PROBE_OUT

function record(name: string, value: unknown): void {
  const text = JSON.stringify(value, null, 1)
  console.log(`[probe ${name}] ${text.length > 20_000 ? `${text.slice(0, 20_000)}…` : text}`)
  if (out) {
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, `${name}.json`), `${JSON.stringify(value, null, 1)}\n`)
  }
}

async function connectRaw(scopes = ['operator.read', 'operator.write']): Promise<RawWs> {
  const c = await RawWs.open(gateway.url)
  sockets.push(c)
  await c.waitFor((f) => f.type === 'event' && f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const res = await c.request(
    'connect',
    {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
      role: 'operator',
      scopes,
      caps: ['tool-events'],
      auth: { token: gateway.token },
    },
    { timeoutMs: 20_000 },
  )
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  return c
}

/** Sends one message and waits for its final (or error) event. */
async function chat(c: RawWs, sessionKey: string, message: string, timeoutMs = 120_000): Promise<Record<string, any>> {
  const idempotencyKey = `probe-${Math.random().toString(36).slice(2)}`
  const ack = await c.request('chat.send', { sessionKey, message, idempotencyKey }, { timeoutMs })
  if (ack.ok !== true) throw new Error(`chat.send refused: ${JSON.stringify(ack.error).slice(0, 300)}`)
  return c.waitFor(
    (f) =>
      f.type === 'event' &&
      f.event === 'chat' &&
      f.payload?.runId === idempotencyKey &&
      ['final', 'error', 'aborted'].includes(f.payload?.state),
    timeoutMs,
    `final of ${idempotencyKey}`,
  )
}

/** The answer to a request, with its size on the wire and the time it took. */
async function timed(
  c: RawWs,
  method: string,
  params: unknown,
  timeoutMs = 120_000,
): Promise<{ res: Record<string, any>; bytes: number; ms: number }> {
  const id = `t-${Math.random().toString(36).slice(2)}`
  const start = performance.now()
  const res = await c.request(method, params, { id, timeoutMs })
  const ms = Math.round(performance.now() - start)
  const raw = c.received.find((r) => r.frame?.id === id && r.frame?.type === 'res')?.raw ?? ''
  return { res, bytes: Buffer.byteLength(raw), ms }
}

function textLengths(messages: any[]): number[] {
  return messages.map((m) =>
    typeof m.content === 'string'
      ? m.content.length
      : (m.content ?? []).reduce((n: number, p: any) => n + (typeof p.text === 'string' ? p.text.length : 0), 0),
  )
}

function summary(r: { res: Record<string, any>; bytes: number; ms: number }): Record<string, unknown> {
  const p = r.res.payload ?? {}
  return {
    ok: r.res.ok,
    error: r.res.error,
    bytes: r.bytes,
    ms: r.ms,
    messages: Array.isArray(p.messages) ? p.messages.length : undefined,
    textLengths: Array.isArray(p.messages) ? textLengths(p.messages) : undefined,
    topLevel: Object.keys(p),
    hasMore: p.hasMore,
    totalMessages: p.totalMessages,
    offset: p.offset,
    nextOffset: p.nextOffset,
    kind: p.kind,
  }
}

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, readyTimeoutMs: 200_000 })
}, 240_000)

afterAll(async () => {
  for (const s of sockets) s.terminate()
  await gateway?.stop()
  await model?.stop()
})

it('chat.history: maxChars, offset, cursor and the per-message and per-answer caps (small, verbatim)', async () => {
  const c = await connectRaw()
  const key = 'clawchat:probe:small'
  for (let i = 1; i <= 3; i += 1) await chat(c, key, `MSG:small-${i} ${'s'.repeat(20_000)}`)
  const big = await chat(c, key, `MSG:big ${'b'.repeat(200_000)}`)
  const frames: Record<string, unknown> = {}
  const variants: Record<string, unknown> = {
    all: { sessionKey: key },
    limit2: { sessionKey: key, limit: 2 },
    limit2offset2: { sessionKey: key, limit: 2, offset: 2 },
    limit2offset6: { sessionKey: key, limit: 2, offset: 6 },
    maxChars100: { sessionKey: key, maxChars: 100 },
    maxChars500000: { sessionKey: key, maxChars: 500_000 },
    offset0: { sessionKey: key, limit: 3, offset: 0 },
  }
  const results: Record<string, unknown> = { bigFinalState: big.payload?.state }
  for (const [name, params] of Object.entries(variants)) {
    const r = await timed(c, 'chat.history', params)
    results[name] = summary(r)
    if (name === 'limit2' || name === 'limit2offset2' || name === 'maxChars100') {
      // Verbatim, with long texts shortened (the mock tests compare shapes and the markers).
      frames[name] = JSON.parse(JSON.stringify(r.res), (_k, v) =>
        typeof v === 'string' && v.length > 400 ? `${v.slice(0, 200)}…[${v.length} chars]…${v.slice(-60)}` : v,
      )
    }
  }
  // The delta cursor: what comes after it.
  const first = (await timed(c, 'chat.history', { sessionKey: key, limit: 2 })).res.payload
  await chat(c, key, 'MSG:after-cursor')
  const delta = await timed(c, 'chat.history', { sessionKey: key, cursor: first.deltaCursor })
  results.cursor = summary(delta)
  frames.cursor = JSON.parse(JSON.stringify(delta.res), (_k, v) =>
    typeof v === 'string' && v.length > 400 ? `${v.slice(0, 200)}…` : v,
  )
  const bogus = await timed(c, 'chat.history', { sessionKey: key, cursor: 'not-a-cursor' })
  results.bogusCursor = summary(bogus)
  for (const bad of [{ limit: 1001 }, { maxChars: 500_001 }, { maxChars: 0 }, { maxBytes: 10 }]) {
    const r = await timed(c, 'chat.history', { sessionKey: key, ...bad })
    results[`bad ${JSON.stringify(bad)}`] = { ok: r.res.ok, error: r.res.error }
  }
  record('history-small', results)
  record('history-small-frames', frames)
})

it('chat.history: 27 messages of ~1 MB in one session (issue 16.1), and the largest answer', async () => {
  const c = await connectRaw()
  // A model that fails at once: with an echoing model every 1 MB turn overflows the context and
  // the gateway spends ~45 s per turn compacting; the user messages are stored either way.
  model.setDefaultBehaviour({ kind: 'fail', status: 400 })
  const key = 'clawchat:probe:big'
  const sendMs: number[] = []
  const states: string[] = []
  for (let i = 1; i <= 27; i += 1) {
    const t = performance.now()
    const final = await chat(c, key, `MSG:mb-${i} ${String(i % 10).repeat(1_000_000)}`, 300_000)
    sendMs.push(Math.round(performance.now() - t))
    states.push(String(final.payload?.state))
  }
  const results: Record<string, unknown> = { sendMs, states }
  const variants: Record<string, unknown> = {
    limit200: { sessionKey: key, limit: 200 },
    default: { sessionKey: key },
    'limit200 maxChars500000': { sessionKey: key, limit: 200, maxChars: 500_000 },
    'limit200 maxChars100000': { sessionKey: key, limit: 200, maxChars: 100_000 },
    'limit200 maxChars8000 maxBytes65536': { sessionKey: key, limit: 200, maxChars: 8000, maxBytes: 65_536 },
  }
  for (const [name, params] of Object.entries(variants))
    results[name] = summary(await timed(c, 'chat.history', params, 300_000))
  record('history-big', results)
  model.setDefaultBehaviour({ kind: 'echo' })
})

it('chat.history: the largest answer a request can get, and what maxBytes does', async () => {
  const c = await connectRaw()
  const admin = await connectRaw(['operator.read', 'operator.write', 'operator.admin'])
  // chat.inject (admin) appends an assistant message without a run: many large messages quickly.
  const cap = 'clawchat:probe:cap'
  await chat(c, cap, 'MSG:cap-start')
  for (let i = 1; i <= 60; i += 1) {
    const res = await admin.request(
      'chat.inject',
      { sessionKey: cap, message: `MSG:cap-${i} ${String(i % 10).repeat(120_000)}` },
      { timeoutMs: 60_000 },
    )
    if (res.ok !== true) throw new Error(`chat.inject refused: ${JSON.stringify(res.error)}`)
  }
  const capResults: Record<string, unknown> = {}
  const capVariants: Record<string, unknown> = {
    'limit1000 maxChars500000': { sessionKey: cap, limit: 1000, maxChars: 500_000 },
    'limit1000 maxChars500000 maxBytes1e9': {
      sessionKey: cap,
      limit: 1000,
      maxChars: 500_000,
      maxBytes: 1_000_000_000,
    },
    'limit1000 maxChars500000 maxBytes262144': { sessionKey: cap, limit: 1000, maxChars: 500_000, maxBytes: 262_144 },
    'limit1000 maxChars500000 maxBytes1024': { sessionKey: cap, limit: 1000, maxChars: 500_000, maxBytes: 1024 },
    'limit5 offset5 maxChars500000 maxBytes262144': {
      sessionKey: cap,
      limit: 5,
      offset: 5,
      maxChars: 500_000,
      maxBytes: 262_144,
    },
    'limit100 maxChars4000 maxBytes262144': { sessionKey: cap, limit: 100, maxChars: 4000, maxBytes: 262_144 },
  }
  for (const [name, params] of Object.entries(capVariants))
    capResults[name] = summary(await timed(c, 'chat.history', params, 300_000))
  // Control characters and lone surrogates: how many bytes one truncated character can take.
  const esc = 'clawchat:probe:escapes'
  await chat(c, esc, `MSG:esc ${'\u0001'.repeat(20_000)}`, 300_000)
  capResults['escapes maxChars8000'] = summary(await timed(c, 'chat.history', { sessionKey: esc, maxChars: 8000 }))
  capResults['escapes maxChars100000'] = summary(await timed(c, 'chat.history', { sessionKey: esc, maxChars: 100_000 }))
  record('history-cap', capResults)
  const listed = await timed(c, 'sessions.list', {
    search: 'clawchat:probe:',
    includeLastMessage: true,
    includeDerivedTitles: true,
  })
  record('history-big-list', {
    bytes: listed.bytes,
    rows: (listed.res.payload?.sessions ?? []).map((s: any) => ({
      key: s.key,
      preview: String(s.lastMessagePreview).length,
      derivedTitle: String(s.derivedTitle).length,
    })),
  })
})

it('sessions.list: search, label, agentId, creatorId, ownerId, pinned, archived, sortBy, include* (issue 16.3)', async () => {
  const c = await connectRaw()
  const b = (id: string) => base32Encode(id)
  const ids = ['a', 'ab', 'abc', 'Ab', 'b']
  for (const id of ids) {
    await chat(c, `clawchat:${b(id)}:main`, `MSG:list-${id}-main`)
    await chat(c, `clawchat:${b(id)}:work`, `MSG:list-${id}-work`)
  }
  // Other namespaces that contain the same encoded id, and a message that quotes ab's prefix.
  await chat(c, `xclawchat:${b('ab')}:main`, 'MSG:other-namespace')
  await chat(c, `clawchat2:${b('ab')}:main`, 'MSG:other-namespace-2')
  await chat(c, `clawchat:${b('b')}:quote`, `MSG:quote clawchat:${b('ab')}:main agent:main:clawchat:${b('ab')}:`)
  const keysOf = (r: Record<string, any>) => (r.payload?.sessions ?? []).map((s: any) => s.key).sort()
  const results: Record<string, unknown> = { encoded: Object.fromEntries(ids.map((id) => [id, b(id)])) }
  const variants: Record<string, unknown> = {
    'search ns:b32(ab):': { search: `clawchat:${b('ab')}:` },
    'search :ns:b32(ab):': { search: `:clawchat:${b('ab')}:` },
    'search :ns:b32(a):': { search: `:clawchat:${b('a')}:` },
    'search :ns:b32(b):': { search: `:clawchat:${b('b')}:` },
    'search agent:main:ns:b32(ab):': { search: `agent:main:clawchat:${b('ab')}:` },
    'search NS:B32(AB): upper': { search: `CLAWCHAT:${b('ab').toUpperCase()}:` },
    'search ns:b32(a):': { search: `clawchat:${b('a')}:` },
    'search ns:b32(ab) no colon': { search: `clawchat:${b('ab')}` },
    'search quote text': { search: 'MSG:quote' },
    'search echo text': { search: 'ECHO<<' },
    'search list-ab-main (message text)': { search: 'list-ab-main' },
    'search + includeLastMessage + includeDerivedTitles': {
      search: `clawchat:${b('ab')}:`,
      includeLastMessage: true,
      includeDerivedTitles: true,
    },
    'search + limit 1': { search: `clawchat:${b('ab')}:`, limit: 1 },
    'search + limit 1 offset 1': { search: `clawchat:${b('ab')}:`, limit: 1, offset: 1 },
    'search + sortBy lastInteractionAt': { search: `clawchat:${b('ab')}:`, sortBy: 'lastInteractionAt' },
    label: { label: `clawchat:${b('ab')}:main` },
    'agentId main': { agentId: 'main', limit: 3 },
    'agentId nope': { agentId: 'nope' },
    'creatorId gateway-client': { creatorId: 'gateway-client' },
    'ownerId gateway-owner': { ownerId: 'gateway-owner' },
    'archived false': { archived: false, limit: 3 },
    'archived true': { archived: true },
    'archived all': { archived: 'all', limit: 3 },
    'pinned true': { pinned: true },
    spawnedBy: { spawnedBy: `agent:main:clawchat:${b('ab')}:main` },
    'limit 0': { limit: 0 },
    'limit 100000': { limit: 100_000 },
  }
  for (const [name, params] of Object.entries(variants)) {
    const r = await timed(c, 'sessions.list', params)
    const p = r.res.payload ?? {}
    results[name] = {
      ok: r.res.ok,
      error: r.res.error,
      bytes: r.bytes,
      ms: r.ms,
      keys: keysOf(r.res),
      count: p.count,
      totalCount: p.totalCount,
      limitApplied: p.limitApplied,
      offset: p.offset,
      nextOffset: p.nextOffset,
      hasMore: p.hasMore,
      rowFields: p.sessions?.[0]
        ? Object.keys(p.sessions[0]).filter((k) =>
            [
              'lastMessagePreview',
              'derivedTitle',
              'displayName',
              'label',
              'hasActiveRun',
              'updatedAt',
              'lastInteractionAt',
              'status',
            ].includes(k),
          )
        : undefined,
      preview: p.sessions?.[0]?.lastMessagePreview,
      derivedTitle: p.sessions?.[0]?.derivedTitle,
    }
  }
  const verbatim = await timed(c, 'sessions.list', {
    search: `clawchat:${b('ab')}:`,
    includeLastMessage: true,
    includeDerivedTitles: true,
    limit: 1,
  })
  record('sessions-list-search', results)
  record('sessions-list-search-frame', {
    params: { search: `clawchat:${b('ab')}:`, includeLastMessage: true, includeDerivedTitles: true, limit: 1 },
    res: verbatim.res,
  })

  // An active run shows in a searched row.
  const slowKey = `clawchat:${b('ab')}:slow`
  const slowId = `probe-slow-${Date.now()}`
  await c.request('chat.send', { sessionKey: slowKey, message: '[[SLOW]] MSG:slow', idempotencyKey: slowId })
  await c.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === slowId && f.payload?.state === 'delta',
    60_000,
    'a delta of the slow run',
  )
  const during = await timed(c, 'sessions.list', { search: `clawchat:${b('ab')}:`, includeLastMessage: true })
  record(
    'sessions-list-active-run',
    (during.res.payload?.sessions ?? []).map((s: any) => ({
      key: s.key,
      hasActiveRun: s.hasActiveRun,
      status: s.status,
      activeRunIds: s.activeRunIds,
      lastMessagePreview: s.lastMessagePreview,
    })),
  )
  await c.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === slowId && f.payload?.state === 'final',
    60_000,
    'the slow run final',
  )
})

it('sessions.list: the cost of a searched list with many sessions of others', async () => {
  const admin = await connectRaw(['operator.read', 'operator.write', 'operator.admin'])
  const c = await connectRaw()
  const mine = `:clawchat:${base32Encode('alice')}:`
  await chat(c, `clawchat:${base32Encode('alice')}:main`, 'MSG:alice-main')
  const results: Record<string, unknown> = {}
  let made = 0
  const measure = async (label: string) => {
    const ms: Record<string, number[]> = { searched: [], searchedAgent: [], plain100: [], plain500: [] }
    let bytes: Record<string, number> = {}
    for (let i = 0; i < 5; i += 1) {
      const s = await timed(c, 'sessions.list', {
        search: mine,
        limit: 100,
        includeLastMessage: true,
        includeDerivedTitles: true,
      })
      const sa = await timed(c, 'sessions.list', {
        search: `agent:main${mine}`,
        limit: 100,
        includeLastMessage: true,
        includeDerivedTitles: true,
      })
      ms.searchedAgent!.push(sa.ms)
      const p1 = await timed(c, 'sessions.list', { limit: 100 })
      const p5 = await timed(c, 'sessions.list', { limit: 500 })
      ms.searched!.push(s.ms)
      ms.plain100!.push(p1.ms)
      ms.plain500!.push(p5.ms)
      bytes = {
        searched: s.bytes,
        plain100: p1.bytes,
        plain500: p5.bytes,
        searchedRows: s.res.payload?.sessions?.length,
        total: p1.res.payload?.totalCount,
      }
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
    results[label] = {
      sessions: made,
      medianMs: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)])),
      bytes,
    }
  }
  await measure('before')
  const started = performance.now()
  for (const target of [500, 2000, 5000]) {
    if (performance.now() - started > 300_000) break
    while (made < target) {
      const batch = []
      for (let i = 0; i < 20 && made < target; i += 1, made += 1)
        batch.push(
          admin.request(
            'sessions.reset',
            { key: `clawchat:${base32Encode(`other-${made}`)}:main` },
            { timeoutMs: 60_000 },
          ),
        )
      const answers = await Promise.all(batch)
      const bad = answers.find((a) => a.ok !== true)
      if (bad) throw new Error(`sessions.reset failed: ${JSON.stringify(bad.error)}`)
    }
    results[`made ${target} in ms`] = Math.round(performance.now() - started)
    await measure(`after ${target}`)
  }
  record('sessions-list-cost', results)
})
