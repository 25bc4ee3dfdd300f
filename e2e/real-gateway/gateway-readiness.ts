// Waits until a starting gateway completes a real handshake (`hello-ok`). Before it is ready the
// port is closed (ECONNREFUSED) or the gateway answers UNAVAILABLE "gateway starting" and closes
// 1013: both mean "try again shortly".
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'

/** The outcome of one handshake attempt. */
export type HandshakeResult =
  { ok: true; hello: Record<string, unknown> } | { ok: false; retryable: boolean; reason: string }

export interface WaitForReadyOptions {
  /** `ws://127.0.0.1:<port>` */
  url: string
  token: string
  /** Give up after this long (ms). */
  timeoutMs: number
  /** Called between attempts; return a reason to stop waiting (e.g. the process exited). */
  abortReason?: () => string | undefined
  /** Pause between attempts (default 250 ms; the gateway suggests 500 ms when starting). */
  retryDelayMs?: number
}

/**
 * One token-only handshake as `gateway-client`/`backend` with `operator.read`; closes the socket
 * afterwards. Never throws.
 *
 * @example
 * const r = await tryHandshake('ws://127.0.0.1:18789', token)
 * if (r.ok) console.log(r.hello.protocol)
 */
export function tryHandshake(url: string, token: string, timeoutMs = 10_000): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let settled = false
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs })
    const finish = (r: HandshakeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      try {
        ws.close()
      } catch {
        /* already closed */
      }
      if (ws.readyState !== WebSocket.CLOSED) setTimeout(() => ws.terminate(), 1000).unref()
      resolve(r)
    }
    const timer = setTimeout(
      () => finish({ ok: false, retryable: true, reason: `no hello within ${timeoutMs} ms` }),
      timeoutMs,
    )
    const reqId = `ready-${randomUUID()}`
    ws.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, retryable: true, reason: err.code ?? err.message })
    })
    ws.on('close', (code, reason) => {
      finish({
        ok: false,
        retryable: code === 1013 || code === 1006 || code === 1012,
        reason: `closed ${code} ${reason.toString()}`.trim(),
      })
    })
    ws.on('message', (data) => {
      let frame: Record<string, unknown>
      try {
        frame = JSON.parse(data.toString()) as Record<string, unknown>
      } catch {
        return
      }
      if (frame.type === 'event' && frame.event === 'connect.challenge') {
        ws.send(
          JSON.stringify({
            type: 'req',
            id: reqId,
            method: 'connect',
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: {
                id: 'gateway-client',
                version: '0.0.0-clawchat-harness',
                platform: process.platform,
                mode: 'backend',
              },
              role: 'operator',
              scopes: ['operator.read'],
              auth: { token },
            },
          }),
        )
        return
      }
      if (frame.type === 'res' && frame.id === reqId) {
        const payload = frame.payload as Record<string, unknown> | undefined
        if (frame.ok === true && payload?.type === 'hello-ok') {
          finish({ ok: true, hello: payload })
          return
        }
        const error = (frame.error ?? {}) as { code?: string; message?: string; retryable?: boolean }
        finish({
          ok: false,
          retryable: error.retryable === true || error.code === 'UNAVAILABLE',
          reason: `${error.code ?? 'error'}: ${error.message ?? 'connect refused'}`,
        })
      }
    })
  })
}

/**
 * Retries {@link tryHandshake} until `hello-ok`, a non-retryable refusal, `abortReason()`, or the
 * timeout. Resolves with the hello payload; rejects with an Error naming the last reason.
 *
 * @example
 * const hello = await waitForGatewayReady({ url, token, timeoutMs: 90_000 })
 */
export async function waitForGatewayReady(opts: WaitForReadyOptions): Promise<Record<string, unknown>> {
  const deadline = Date.now() + opts.timeoutMs
  const delay = opts.retryDelayMs ?? 250
  let last = 'no attempt yet'
  for (;;) {
    const aborted = opts.abortReason?.()
    if (aborted) throw new Error(`gateway never became ready: ${aborted} (last handshake: ${last})`)
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`gateway not ready after ${opts.timeoutMs} ms (last handshake: ${last})`)
    const r = await tryHandshake(opts.url, opts.token, Math.min(10_000, Math.max(1000, left)))
    if (r.ok) return r.hello
    last = r.reason
    if (!r.retryable) {
      const abortedNow = opts.abortReason?.()
      if (abortedNow) throw new Error(`gateway never became ready: ${abortedNow} (last handshake: ${last})`)
      throw new Error(`gateway refused the readiness handshake: ${last}`)
    }
    await new Promise((r2) => setTimeout(r2, Math.min(delay, Math.max(0, deadline - Date.now()))))
  }
}

/**
 * Waits until a started gateway has settled: its `hello-ok.snapshot` carries a computed `health`
 * and an `updateSchedule`. Right after boot the real gateway answers `health: {}` without
 * `updateSchedule` and broadcasts boot-time events (`cron`, `sessions.changed`,
 * `update.available`); tests that compare frames with the mock (which models a settled gateway)
 * wait for this first. Resolves with the settled hello; rejects after `timeoutMs`.
 *
 * @example
 * await waitForGatewaySettled({ url: gw.url, token: gw.token, timeoutMs: 60_000 })
 */
export async function waitForGatewaySettled(opts: {
  url: string
  token: string
  timeoutMs: number
}): Promise<Record<string, unknown>> {
  const deadline = Date.now() + opts.timeoutMs
  let last: string
  for (;;) {
    const r = await tryHandshake(opts.url, opts.token)
    if (r.ok) {
      const snapshot = (r.hello.snapshot ?? {}) as Record<string, unknown>
      const health = snapshot.health as Record<string, unknown> | undefined
      if (health && Object.keys(health).length > 0 && snapshot.updateSchedule !== undefined) return r.hello
      last = `health has ${health ? Object.keys(health).length : 0} fields, updateSchedule ${snapshot.updateSchedule === undefined ? 'absent' : 'present'}`
    } else last = r.reason
    if (Date.now() > deadline) throw new Error(`gateway not settled after ${opts.timeoutMs} ms (last: ${last})`)
    await new Promise((res) => setTimeout(res, 500))
  }
}
