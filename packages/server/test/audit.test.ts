/**
 * Issue 5, behaviour 4: the audit trail — one pino JSON line per connection opened and closed,
 * request, denial, rate-limit episode, ended session, refused upgrade and upstream state change;
 * message text only with `bodies: true`; sinks: a stream, a file path, a pino logger.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { clawchatProxy } from '../src/index.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let harnesses: Harness[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A writable that keeps every line. */
function lineStream(): { write(text: string): boolean; lines: () => Array<Record<string, any>>; text: () => string } {
  const chunks: string[] = []
  return {
    write(text: string) {
      chunks.push(text)
      return true
    },
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>),
  }
}

const SECRET_TEXT = 'my very private message text'

async function scenario(bodies: boolean) {
  const sink = lineStream()
  const h = await startHarness({
    logoutDisconnects: false,
    proxy: { audit: { to: sink, bodies }, sessionCheckIntervalMs: 200, limits: { messagesPerSecond: 5 } },
  })
  harnesses.push(h)
  await h.waitForLinkUp()
  const alice = await h.connectAs({ id: 'alice' })
  const send = await alice.request('chat.send', { message: SECRET_TEXT, idempotencyKey: 'k1' })
  expect(send.ok).toBe(true)
  await alice.waitForEvent('chat', (p) => p.runId === 'k1' && p.state === 'final')
  await alice.request('chat.send', { message: 5 })
  await alice.request('config.get', {})
  // A burst past 5 per second: one rate.limited line for the episode.
  const burst = await h.connectAs({ id: 'bob' }, false)
  for (let i = 0; i < 8; i += 1) burst.send({ type: 'req', id: `b${i}`, method: 'sessions.list', params: {} })
  await waitFor(() => burst.frames.filter((f) => f.type === 'res').length === 8, 5000, 'the burst answers')
  // A refused upgrade, the gateway going and coming back, a logout, a close.
  expect(await h.upgradeStatus(undefined)).toBe(401)
  await h.gateway!.crash()
  await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down')
  await h.gateway!.restart()
  await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up', 10_000)
  const carolCookie = await h.login({ id: 'carol' })
  const carol = await h.open(carolCookie)
  await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie: carolCookie } })
  await carol.closedPromise
  await alice.close()
  await waitFor(() => sink.lines().filter((l) => l.event === 'connection.close').length >= 2, 5000, 'the close lines')
  return { h, sink }
}

describe('the audit trail', () => {
  it('writes one pino JSON line per event, with the documented fields, and no message text by default', async () => {
    const { sink } = await scenario(false)
    const lines = sink.lines()
    for (const line of lines) {
      expect(line).toMatchObject({ level: 30, name: 'clawchat-audit', msg: `clawchat ${line.event}` })
      expect(typeof line.time).toBe('number')
    }
    const events = new Set(lines.map((l) => l.event))
    for (const event of [
      'connection.open',
      'connection.close',
      'request',
      'request.denied',
      'rate.limited',
      'upgrade.refused',
      'gateway.state',
      'session.ended',
    ]) {
      expect(events, event).toContain(event)
    }

    const send = lines.find((l) => l.event === 'request' && l.method === 'chat.send' && l.outcome === 'ok')
    expect(send).toMatchObject({ userId: 'alice', method: 'chat.send', sessionKey: 'main', outcome: 'ok' })
    expect(send?.connId).toMatch(/^[0-9a-f-]{36}$/)
    expect(send?.id).toMatch(/^t\d+-/)
    expect(send?.bytes).toBeGreaterThan(SECRET_TEXT.length)
    expect(typeof send?.ms).toBe('number')
    expect(send).not.toHaveProperty('params')
    expect(lines.find((l) => l.event === 'request' && l.outcome === 'error')).toMatchObject({
      userId: 'alice',
      method: 'chat.send',
      code: 'INVALID_REQUEST',
    })
    expect(lines.find((l) => l.event === 'request.denied')).toMatchObject({
      userId: 'alice',
      method: 'config.get',
      code: 'FORBIDDEN',
    })
    expect(lines.filter((l) => l.event === 'rate.limited')).toEqual([
      expect.objectContaining({ userId: 'bob', scope: 'connection' }),
    ])
    expect(lines.find((l) => l.event === 'upgrade.refused')).toMatchObject({ status: 401, ip: '127.0.0.1' })
    expect(lines.filter((l) => l.event === 'gateway.state').map((l) => l.state)).toEqual(['up', 'down', 'up'])
    expect(lines.find((l) => l.event === 'session.ended')).toMatchObject({ userId: 'carol', connections: 1 })
    const open = lines.find((l) => l.event === 'connection.open' && l.userId === 'alice')
    expect(open).toMatchObject({ ip: '127.0.0.1' })
    expect(lines.find((l) => l.event === 'connection.close' && l.connId === open?.connId)).toMatchObject({
      code: 1005,
      by: 'client',
      frames: 4,
      invalidFrames: 0,
      rateLimited: 0,
    })
    expect(lines.find((l) => l.event === 'connection.close' && l.userId === 'carol')).toMatchObject({
      code: 4401,
      by: 'server',
    })
    expect(sink.text()).not.toContain(SECRET_TEXT)
  })

  it('records request params (message text) with bodies: true', async () => {
    const { sink } = await scenario(true)
    const send = sink.lines().find((l) => l.event === 'request' && l.method === 'chat.send' && l.outcome === 'ok')
    expect(send?.params).toEqual({ message: SECRET_TEXT, idempotencyKey: 'k1' })
  })

  it('appends to a file path (created with its directory, mode 0600), flushed by close()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawchat-audit-'))
    dirs.push(dir)
    const path = join(dir, 'logs', 'audit.log')
    const h = await startHarness({ proxy: { audit: path } })
    harnesses.push(h)
    await h.connectAs({ id: 'alice' })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    await h.proxy.close()
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>)
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['connection.open', 'connection.close']))
    expect(lines.every((l) => l.name === 'clawchat-audit')).toBe(true)
  })

  it("writes to the app's own pino logger", async () => {
    const sink = lineStream()
    const h = await startHarness({ proxy: { audit: pino({ name: 'my-app' }, sink) } })
    harnesses.push(h)
    await h.connectAs({ id: 'alice' })
    const open = await waitFor(() => sink.lines().find((l) => l.event === 'connection.open'), 5000, 'the open line')
    expect(open).toMatchObject({ name: 'my-app', userId: 'alice', msg: 'clawchat connection.open' })
  })

  it('refuses at start-up an audit path it cannot open, naming the option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawchat-audit-'))
    dirs.push(dir)
    const aFile = join(dir, 'a-file')
    writeFileSync(aFile, 'x')
    expect(() =>
      clawchatProxy({
        gateway: { url: 'ws://127.0.0.1:1', token: 'tok-abcdef', identityPath: join(dir, 'id.json') },
        authenticate: () => null,
        audit: join(aFile, 'audit.log'), // its "directory" is a file
      }),
    ).toThrow(/option "audit": cannot open the audit file ".*a-file\/audit.log"/)
  })

  it("keeps the file system's error as the cause of that refusal, for the app's error reporting", () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawchat-audit-'))
    dirs.push(dir)
    const aFile = join(dir, 'a-file')
    writeFileSync(aFile, 'x')
    let thrown: unknown
    try {
      clawchatProxy({
        gateway: { url: 'ws://127.0.0.1:1', token: 'tok-abcdef', identityPath: join(dir, 'id.json') },
        authenticate: () => null,
        audit: join(aFile, 'audit.log'),
      })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as Error).cause).toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) })
  })
})
