/**
 * Behaviour 2: the ONE upstream link — identity, scopes, nothing before hello-ok, its own
 * reconnects, and clear logs for pairing and configuration errors.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GatewayClientOptions } from '@openclaw/gateway-client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GatewayLink, LINK_SCOPES, type GatewayClientLike } from '../src/upstream/gateway-link.js'
import type { ProxyLog } from '../src/common/log.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let harnesses: Harness[] = []
let links: GatewayLink[] = []
let tmp = ''
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'clawchat-link-'))
})
afterEach(async () => {
  for (const link of links) await link.close()
  rmSync(tmp, { recursive: true, force: true })
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
  links = []
})

function memoryLog(): ProxyLog & { lines: Array<{ level: string; message: string; fields?: object }> } {
  const lines: Array<{ level: string; message: string; fields?: object }> = []
  const write = (level: string) => (message: string, fields?: object) => void lines.push({ level, message, fields })
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** How many refused attempts the link has logged since log line `from` (a warning, then debug lines). */
function unreachableSince(h: Harness, from: number): number {
  const refused = /cannot reach the gateway|gateway still unreachable/
  return h.capture.logs.slice(from).filter((l) => refused.test(l)).length
}

/**
 * Advances the fake clock in small steps until `check` holds; fails after `maxMs` of fake time.
 * The link takes its delays from the global timers, so the scripted tests run on a fake clock.
 */
async function advanceUntil(check: () => boolean, maxMs: number, what: string): Promise<void> {
  for (let elapsed = 0; !check(); elapsed += 10) {
    if (elapsed > maxMs) throw new Error(`not within ${maxMs} ms of fake time: ${what}`)
    await vi.advanceTimersByTimeAsync(10)
  }
}

/** A scripted stand-in for GatewayClient: each attempt's behaviour comes from `script`. */
function fakeClients(script: (options: GatewayClientOptions, attempt: number) => void) {
  const made: Array<{ options: GatewayClientOptions; stopped: boolean }> = []
  const createClient = (options: GatewayClientOptions): GatewayClientLike => {
    const record = { options, stopped: false }
    made.push(record)
    return {
      start: () => script(options, made.length),
      stop: () => void (record.stopped = true),
      stopAndWait: async () => void (record.stopped = true),
      request: async <T>() => ({}) as T,
    }
  }
  return { made, createClient }
}

describe('the link against the mock gateway', () => {
  it('connects as gateway-client/backend with the three scopes and a device identity, sends nothing before hello-ok, subscribes once', async () => {
    const h = await startHarness()
    harnesses.push(h)
    await h.waitForLinkUp()
    // The link is up at hello-ok; its one subscription follows right after.
    await h.gateway!.waitForRequest('sessions.subscribe')
    await waitFor(() => h.gateway!.connections().some((c) => c.sessionsSubscribed), 5000, 'the subscription')
    const conns = h.gateway!.connections().filter((c) => c.authenticated)
    expect(conns).toHaveLength(1)
    expect(conns[0]).toMatchObject({ clientId: 'gateway-client', clientMode: 'backend', sessionsSubscribed: true })
    expect([...(conns[0]?.scopes ?? [])].sort()).toEqual([...LINK_SCOPES].sort())
    expect(conns[0]?.deviceId).toMatch(/^[0-9a-f]{64}$/)
    const fromLink = h.gateway!.requests.filter((r) => r.connectionId === conns[0]?.id)
    expect(fromLink.map((r) => r.method).slice(0, 2)).toEqual(['connect', 'sessions.subscribe'])
    expect(fromLink.filter((r) => r.method === 'sessions.subscribe')).toHaveLength(1)
    // The identity went where gateway.identityPath said, mode 0600.
    const identity = join(h.tmp, 'identity', 'identity.json')
    expect(statSync(identity).mode & 0o777).toBe(0o600)
  })

  it('keeps one upstream connection for many browsers', async () => {
    const h = await startHarness()
    harnesses.push(h)
    await h.waitForLinkUp()
    for (const id of ['a', 'b', 'c']) await h.connectAs({ id })
    expect(h.gateway!.connectionCount()).toEqual({ open: 1, authenticated: 1 })
  })

  it('is back within ~2 s of the gateway accepting again', async () => {
    const h = await startHarness()
    harnesses.push(h)
    await h.waitForLinkUp()
    const deviceId = h.gateway!.connections()[0]?.deviceId
    const before = h.capture.logs.length
    await h.gateway!.crash()
    await waitFor(() => h.proxy.stats().gateway !== 'up', 5000, 'the link to notice')
    // Four refused attempts in a row: the backoff (100 ms doubling) has reached its 500 ms cap.
    await waitFor(() => unreachableSince(h, before) >= 4, 10_000, 'four refused attempts')
    await h.gateway!.restart()
    const accepting = Date.now()
    await h.waitForLinkUp()
    expect(Date.now() - accepting).toBeLessThanOrEqual(2000)
    // Same identity after the reconnect.
    expect(h.gateway!.connections()[0]?.deviceId).toBe(deviceId)
  })

  it('returns from clawchatProxy() at once even when the gateway is unreachable, and logs it once', async () => {
    const started = Date.now()
    const h = await startHarness({ noGateway: true })
    harnesses.push(h)
    expect(Date.now() - started).toBeLessThan(2000)
    await waitFor(() => h.capture.logs.some((l) => l.includes('cannot reach the gateway')), 5000, 'the outage log')
    // Three more refused attempts, each of which could have warned again.
    await waitFor(() => unreachableSince(h, 0) >= 4, 10_000, 'three more refused attempts')
    expect(
      h.capture.logs.filter((l) => l.includes('"level":"warn"') && l.includes('cannot reach the gateway')),
    ).toHaveLength(1)
  })
})

describe('the link with a scripted client', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('logs NOT_PAIRED with the request id and the command that approves it, and retries', async () => {
    const log = memoryLog()
    const { made, createClient } = fakeClients((options) => {
      const error = Object.assign(new Error('pairing required: device is not approved yet (requestId: req-42)'), {
        gatewayCode: 'NOT_PAIRED',
        details: { code: 'PAIRING_REQUIRED', requestId: 'req-42', reason: 'not-paired' },
      })
      setTimeout(() => {
        options.onConnectError?.(error)
        options.onClose?.(1008, 'pairing required')
      }, 5)
    })
    const link = new GatewayLink({
      url: 'ws://127.0.0.1:1',
      token: 'tok-secret-xyz',
      identityPath: join(tmp, 'identity.json'),
      requestTimeoutMs: 1000,
      log,
      createClient,
      authRetryDelayMs: 50,
    })
    links.push(link)
    link.start()
    await advanceUntil(() => made.length >= 3, 5000, 'three attempts')
    const errors = log.lines.filter((l) => l.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toContain('requestId req-42')
    expect(errors[0]?.message).toContain('openclaw devices approve req-42')
    expect(made.slice(0, -1).every((m) => m.stopped)).toBe(true)
    expect(made[0]?.options).toMatchObject({
      clientName: 'gateway-client',
      mode: 'backend',
      role: 'operator',
      scopes: [...LINK_SCOPES],
    })
    expect(JSON.stringify(log.lines)).not.toContain('tok-secret-xyz')
    expect(link.downReason).toMatch(/not approved this server yet/)
    // A person must act: browsers hear "misconfigured"; admins get the command.
    expect(link.state).toBe('misconfigured')
    expect(link.browserState).toBe('misconfigured')
    expect(link.operatorReason).toContain('openclaw devices approve req-42')
  })

  it('treats a protocol mismatch as misconfigured, and retries slowly with doubling delays', async () => {
    const log = memoryLog()
    const at: number[] = []
    const { createClient } = fakeClients((options) => {
      at.push(Date.now())
      const error = Object.assign(new Error('protocol mismatch'), {
        gatewayCode: 'INVALID_REQUEST',
        details: { code: 'PROTOCOL_MISMATCH', expectedProtocol: 5 },
      })
      setTimeout(() => {
        options.onConnectError?.(error)
        options.onClose?.(1002, 'protocol mismatch')
      }, 1)
    })
    const link = new GatewayLink({
      url: 'ws://127.0.0.1:1',
      token: 'tok-secret-xyz',
      identityPath: join(tmp, 'identity.json'),
      requestTimeoutMs: 1000,
      log,
      createClient,
      authRetryDelayMs: 100,
      maxAuthRetryDelayMs: 400,
    })
    links.push(link)
    const told: string[] = []
    link.on('down', () => told.push(link.browserState))
    link.start()
    await advanceUntil(() => at.length >= 5, 10_000, 'five attempts')
    expect(link.state).toBe('misconfigured')
    expect(link.operatorReason).toContain('OpenClaw protocol 4')
    expect(link.downReason).toMatch(/another protocol version/)
    // Told once, not at every attempt.
    expect(told).toEqual(['misconfigured'])
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    // 100, 200, 400, 400 ms (plus the attempt itself): doubling up to the cap.
    expect(gaps[0]).toBeGreaterThanOrEqual(95)
    expect(gaps[1]).toBeGreaterThanOrEqual(195)
    expect(gaps[2]).toBeGreaterThanOrEqual(395)
    expect(gaps[3]).toBeLessThan(2000)
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1)
  })

  it('stops with a clear error when the client refuses a plain ws:// URL at connect time', async () => {
    const log = memoryLog()
    const { made, createClient } = fakeClients((options) => {
      options.onConnectError?.(
        new Error('SECURITY ERROR: Cannot connect to "gw" over plaintext ws://. Use wss:// for remote URLs.'),
      )
    })
    const link = new GatewayLink({
      url: 'ws://gw:1',
      token: 't0k',
      identityPath: join(tmp, 'identity.json'),
      requestTimeoutMs: 1000,
      log,
      createClient,
    })
    links.push(link)
    const down: string[] = []
    link.on('down', (why: string) => down.push(why))
    link.start()
    await advanceUntil(() => link.state === 'failed', 5000, 'the link to fail')
    // A minute later (fake time), still the one attempt: nothing retries a refused ws:// URL.
    await vi.advanceTimersByTimeAsync(60_000)
    expect(made).toHaveLength(1)
    expect(made[0]?.stopped).toBe(true)
    const error = log.lines.find((l) => l.level === 'error')?.message ?? ''
    expect(error).toContain('wss://')
    expect(error).toContain('OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1')
    expect(down).toHaveLength(1)
  })

  it("goes down at the gateway's shutdown event (before its close), and reconnects at once", async () => {
    const log = memoryLog()
    const { made, createClient } = fakeClients((options, attempt) => {
      setTimeout(() => {
        options.onHelloOk?.({ server: { version: `v${attempt}` } } as never)
        if (attempt === 1)
          setTimeout(
            () =>
              options.onEvent?.({
                type: 'event',
                event: 'shutdown',
                payload: { reason: 'gateway restarting' },
              } as never),
            20,
          )
      }, 1)
    })
    const link = new GatewayLink({
      url: 'ws://127.0.0.1:1',
      token: 't',
      identityPath: join(tmp, 'identity.json'),
      requestTimeoutMs: 1000,
      log,
      createClient,
    })
    links.push(link)
    const events: string[] = []
    link.on('up', () => events.push('up'))
    link.on('down', (why: string) => events.push(`down: ${why}`))
    link.on('event', (frame: { event: string }) => events.push(`event ${frame.event}`))
    link.start()
    await advanceUntil(() => events.length === 3, 5000, 'up, down, up')
    expect(events).toEqual(['up', 'down: The chat gateway is restarting; reconnecting.', 'up'])
    expect(made).toHaveLength(2)
    expect(made[0]?.stopped).toBe(true) // stopped at the shutdown event; its close never came
    expect(link.gatewayVersion).toBe('v2')
  })

  it('makes a new client per attempt, with jittered delays capped at half a second', async () => {
    const log = memoryLog()
    const times: number[] = []
    const { made, createClient } = fakeClients((options) => {
      times.push(Date.now())
      setTimeout(() => {
        options.onConnectError?.(new Error('connect ECONNREFUSED 127.0.0.1:1'))
        options.onClose?.(1006, '')
      }, 1)
    })
    const link = new GatewayLink({
      url: 'ws://127.0.0.1:1',
      token: 't',
      identityPath: join(tmp, 'identity.json'),
      requestTimeoutMs: 1000,
      log,
      createClient,
    })
    links.push(link)
    link.start()
    await advanceUntil(() => made.length >= 7, 10_000, 'seven attempts')
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t))
    expect(Math.max(...gaps)).toBeLessThan(800)
    expect(new Set(made.map((m) => m.options)).size).toBe(made.length)
    await expect(link.request('chat.history', {})).rejects.toMatchObject({ kind: 'unavailable' })
  })
})
