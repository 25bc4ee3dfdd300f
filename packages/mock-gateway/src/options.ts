import type { MockAgent } from './agent.js'
import type { AuthFailureDelay } from './connection/auth-throttle.js'
import { resolveControlUi, type MockControlUiOptions, type ResolvedControlUi } from './control-ui/control-ui-option.js'
import { demoAgent } from './demo-agent.js'
import type { ModelFailureDetail } from './runs/run-event-types.js'

/**
 * How runs fail, for testing error paths:
 * - `'none'`: runs succeed.
 * - `'model-error'` (or the object form): every run fails like the real gateway with a model that
 *   answers HTTP 400: `agent` lifecycle `finishing`/`fallback_step`/`error`, then the two `chat`
 *   error events (GATEWAY.md "Chat", transcripts-more/q2-failures-ERR400.txt).
 * - `'cut-stream'` (or the object form): the model stream is cut after `cutAfterChunks` chunks
 *   (default 1) `cuts` times (default 1); each cut shows the partial text, then a
 *   `{"deltaText":"","replace":true}` delta, then the retried stream starts over and finally succeeds
 *   (MORE-BEHAVIOURS Q2).
 *
 * @example
 * await startMockGateway({ token: 't', failure: 'model-error' })
 * gateway.setFailure({ kind: 'cut-stream', cutAfterChunks: 2, cuts: 1 })
 * gateway.setFailure('none')
 */
export type MockFailure =
  | 'none'
  | 'model-error'
  | 'cut-stream'
  | { kind: 'model-error'; errorMessage?: string; failoverReason?: string; providerRuntimeFailureKind?: string }
  | { kind: 'cut-stream'; cutAfterChunks?: number; cuts?: number }

/** {@link MockFailure} with its defaults filled in. */
export type ResolvedFailure =
  | { kind: 'none' }
  | { kind: 'model-error'; errorMessage: string; detail: ModelFailureDetail; failureDetail: string }
  | { kind: 'cut-stream'; cutAfterChunks: number; cuts: number }

/**
 * Options of {@link startMockGateway}. Only `token` is required; every other option has the
 * default named in its description (mostly the real gateway's values, with fast run timings).
 *
 * @example
 * const gateway = await startMockGateway({
 *   token: 'secret',
 *   tickIntervalMs: 200,          // fast ticks for a test
 *   handshakeTimeoutMs: 300,      // instead of the real 15 s
 *   authFailureDelay: { initialMs: 20, maxMs: 200 },
 *   allowedOrigins: ['https://app.example.com'],
 * })
 */
export interface MockGatewayOptions {
  /** The gateway token clients must send in `connect.auth.token`. Never logged. */
  token: string
  /** TCP port; default `0` (a free port; read it from the handle). The real gateway's default is 18789. */
  port?: number
  /** Interface to listen on; default `'127.0.0.1'`. */
  host?: string
  /** Produces replies; default {@link demoAgent}. */
  agent?: MockAgent
  /** Failure mode of runs; default `'none'`. */
  failure?: MockFailure
  /** Interval of `tick` events and `hello-ok.policy.tickIntervalMs`; default 30000 (the real policy). */
  tickIntervalMs?: number
  /** A socket that sends no `connect` within this is closed 1000 with an empty reason; default 15000. */
  handshakeTimeoutMs?: number
  /** Browser Origins (webchat, webchat-ui, control-ui) accepted besides loopback ones; default `[]`. */
  allowedOrigins?: string[]
  /** Pause between two reply chunks, in ms; default 25. */
  chunkDelayMs?: number
  /** Pause between the phases of a run (status events, model start), in ms; default 5. */
  phaseDelayMs?: number
  /** Delay before each frame the gateway writes, per connection, in ms; default 0 (see `setWriteDelay`). */
  writeDelayMs?: number
  /**
   * Answer delay for wrong tokens: `initialMs` doubling per try up to `maxMs`; default
   * `{ initialMs: 250, maxMs: 5000 }`.
   */
  authFailureDelay?: AuthFailureDelay
  /** How long `close()`/`restart()` let running chats finish before the `shutdown` event; default 5000. */
  shutdownGraceMs?: number
  /** Largest accepted frame (also `hello-ok.policy.maxPayload`); default 26214400 like the real one. */
  maxPayload?: number
  /**
   * For this long after each start/restart, `connect` gets the real startup answer: `UNAVAILABLE`
   * "gateway starting; retry shortly" (`retryable`, `retryAfterMs: 500`), then close 1013. Default 0.
   */
  startupMs?: number
  /**
   * Make `hello-ok` pass the official `HelloOk` validator of `@openclaw/gateway-protocol@2026.9.1`,
   * which is older than the recorded gateway: leaves out `auth.method`, `controlUiLinkReaders`,
   * `snapshot.health.eventLoop.cpuBreakdown` and presence `clientId`. Default `false` (as recorded).
   */
  strictHelloOk?: boolean
  /** Receives one line per notable thing (connections, closes, runs). Default: silent. */
  log?: (line: string) => void
  /**
   * The gateway's exec policy: `'full'` (default, the real default config) runs every `exec` at once;
   * `'ask'` is `tools.exec.mode: "ask"` (security allowlist, ask on-miss, askFallback deny): every
   * `exec` waits for an approval client to answer, or is refused at once when none can see it.
   */
  exec?: { mode: ExecMode }
  /** How long an exec approval waits before `askFallback` denies it; default 1800000 (the real 30 min). */
  approvalTimeoutMs?: number
  /**
   * Multiplies the `ask_user` waits (`timeoutSeconds`, and the ~5 s before `question.resolved`
   * `expired`), so tests can let a question expire quickly: `0.001` turns 30 s into 30 ms. Default 1.
   */
  timeScale?: number
  /**
   * Serve a Control UI stand-in under `basePath` (default `'/clawchat/control'`), like the real
   * `gateway.controlUi.basePath`: the page, `control-ui-config.json` (bearer only), a small app that
   * connects as `openclaw-control-ui`. WebSocket upgrades on every path (below it or not) stay the
   * gateway's own socket, as on the real one. Default: off (plain HTTP gets 426 everywhere).
   */
  controlUi?: MockControlUiOptions | false
}

/** The gateway's exec policy (see {@link MockGatewayOptions.exec}). */
export type ExecMode = 'full' | 'ask'

/** {@link MockGatewayOptions} with every default filled in. */
export interface ResolvedOptions {
  token: string
  port: number
  host: string
  agent: MockAgent
  failure: ResolvedFailure
  tickIntervalMs: number
  handshakeTimeoutMs: number
  allowedOrigins: string[]
  chunkDelayMs: number
  phaseDelayMs: number
  writeDelayMs: number
  authFailureDelay: AuthFailureDelay
  shutdownGraceMs: number
  maxPayload: number
  startupMs: number
  strictHelloOk: boolean
  log: (line: string) => void
  execMode: ExecMode
  approvalTimeoutMs: number
  timeScale: number
  controlUi: ResolvedControlUi | undefined
}

const DEFAULT_MODEL_ERROR = 'LLM request failed: provider rejected the request schema or tool payload.'

function fail(message: string): never {
  throw new TypeError(`startMockGateway: ${message}`)
}

function nonNegativeInt(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(`option "${name}" must be an integer of at least ${min}, got ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Validates and fills in a {@link MockFailure}. `label` starts the error message: the option
 * (`startMockGateway: option "failure"`) or the method (`MockGateway.setFailure`).
 */
export function resolveFailure(value: unknown, label = 'startMockGateway: option "failure"'): ResolvedFailure {
  const refuse = (what: string): never => {
    throw new TypeError(`${label}${what}`)
  }
  if (value === undefined || value === 'none' || value === null) return { kind: 'none' }
  const kind =
    typeof value === 'string' ? value : typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined
  const obj = (typeof value === 'object' ? value : {}) as Record<string, unknown>
  const count = (field: string, fallback: number): number => {
    const v = obj[field]
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      refuse(`: "${field}" must be an integer of at least 1, got ${JSON.stringify(v)}`)
    return v as number
  }
  if (kind === 'model-error') {
    const errorMessage = obj.errorMessage ?? DEFAULT_MODEL_ERROR
    if (typeof errorMessage !== 'string' || errorMessage === '') refuse(': "errorMessage" must be a non-empty string')
    return {
      kind: 'model-error',
      errorMessage: errorMessage as string,
      detail: {
        failoverReason: typeof obj.failoverReason === 'string' ? obj.failoverReason : 'format',
        providerRuntimeFailureKind:
          typeof obj.providerRuntimeFailureKind === 'string' ? obj.providerRuntimeFailureKind : 'schema',
      },
      failureDetail: "400 Invalid 'messages[1].content': mock bad request",
    }
  }
  if (kind === 'cut-stream') {
    return { kind: 'cut-stream', cutAfterChunks: count('cutAfterChunks', 1), cuts: count('cuts', 1) }
  }
  return refuse(
    ` must be "none", "model-error", "cut-stream" or an object with that "kind", got ${JSON.stringify(value)}`,
  )
}

/** Checks an exec mode; `label` starts the error message. */
export function resolveExecMode(value: unknown, label = 'startMockGateway: option "exec.mode"'): ExecMode {
  if (value === 'full' || value === 'ask') return value
  throw new TypeError(`${label} must be "full" or "ask", got ${JSON.stringify(value)}`)
}

/** The tool options: `exec`, `approvalTimeoutMs`, `timeScale`. */
function resolveToolOptions(
  o: Record<string, unknown>,
): Pick<ResolvedOptions, 'execMode' | 'approvalTimeoutMs' | 'timeScale'> {
  if (o.exec !== undefined && (typeof o.exec !== 'object' || o.exec === null))
    fail('option "exec" must be an object { mode: "full" | "ask" }')
  const execMode = o.exec === undefined ? 'full' : resolveExecMode((o.exec as { mode?: unknown }).mode ?? 'full')
  const timeScale = o.timeScale ?? 1
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0)
    fail(`option "timeScale" must be a positive number, got ${JSON.stringify(o.timeScale)}`)
  return {
    execMode,
    approvalTimeoutMs: nonNegativeInt('approvalTimeoutMs', o.approvalTimeoutMs, 1_800_000, 1),
    timeScale: timeScale as number,
  }
}

/**
 * Checks the options of `startMockGateway` and fills in defaults. Throws a `TypeError` naming the
 * bad option (never echoing the token).
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null) fail('options must be an object with at least a "token"')
  const o = input as Record<string, unknown>
  if (typeof o.token !== 'string' || o.token.trim() === '') fail('option "token" must be a non-empty string')
  const port = nonNegativeInt('port', o.port, 0)
  if (port > 65535) fail(`option "port" must be at most 65535, got ${port}`)
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host === ''))
    fail('option "host" must be a non-empty string')
  if (o.agent !== undefined && typeof o.agent !== 'function')
    fail('option "agent" must be a function (message, context) => chunks')
  if (
    o.allowedOrigins !== undefined &&
    (!Array.isArray(o.allowedOrigins) || !o.allowedOrigins.every((x) => typeof x === 'string' && x !== ''))
  ) {
    fail('option "allowedOrigins" must be an array of origin strings such as "https://app.example.com"')
  }
  let authFailureDelay: AuthFailureDelay = { initialMs: 250, maxMs: 5000 }
  if (o.authFailureDelay !== undefined) {
    if (typeof o.authFailureDelay !== 'object' || o.authFailureDelay === null) {
      fail('option "authFailureDelay" must be an object { initialMs, maxMs }')
    }
    const d = o.authFailureDelay as Record<string, unknown>
    const initialMs = nonNegativeInt('authFailureDelay.initialMs', d.initialMs, 250, 1)
    const maxMs = nonNegativeInt('authFailureDelay.maxMs', d.maxMs, Math.max(5000, initialMs), initialMs)
    authFailureDelay = { initialMs, maxMs }
  }
  if (o.strictHelloOk !== undefined && typeof o.strictHelloOk !== 'boolean')
    fail('option "strictHelloOk" must be a boolean')
  if (o.log !== undefined && typeof o.log !== 'function') fail('option "log" must be a function (line) => void')
  const tools = resolveToolOptions(o)
  return {
    ...tools,
    token: o.token,
    port,
    host: (o.host as string | undefined) ?? '127.0.0.1',
    agent: (o.agent as MockAgent | undefined) ?? demoAgent,
    failure: resolveFailure(o.failure),
    tickIntervalMs: nonNegativeInt('tickIntervalMs', o.tickIntervalMs, 30000, 1),
    handshakeTimeoutMs: nonNegativeInt('handshakeTimeoutMs', o.handshakeTimeoutMs, 15000, 1),
    allowedOrigins: [...((o.allowedOrigins as string[] | undefined) ?? [])],
    chunkDelayMs: nonNegativeInt('chunkDelayMs', o.chunkDelayMs, 25),
    phaseDelayMs: nonNegativeInt('phaseDelayMs', o.phaseDelayMs, 5),
    writeDelayMs: nonNegativeInt('writeDelayMs', o.writeDelayMs, 0),
    authFailureDelay,
    shutdownGraceMs: nonNegativeInt('shutdownGraceMs', o.shutdownGraceMs, 5000),
    maxPayload: nonNegativeInt('maxPayload', o.maxPayload, 26214400, 1024),
    startupMs: nonNegativeInt('startupMs', o.startupMs, 0),
    strictHelloOk: (o.strictHelloOk as boolean | undefined) ?? false,
    log: (o.log as ((line: string) => void) | undefined) ?? (() => {}),
    controlUi: resolveControlUi(o.controlUi),
  }
}
