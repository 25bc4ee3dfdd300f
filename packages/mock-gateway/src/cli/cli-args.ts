import { parseArgs } from 'node:util'
import { basePathProblem } from '../control-ui/control-ui-option.js'
import type { MockFailure, MockGatewayOptions } from '../options.js'

/** What the command line asked for. */
export type CliCommand =
  { kind: 'help' } | { kind: 'run'; options: MockGatewayOptions } | { kind: 'error'; message: string }

/** The `--help` text of `clawchat-mock-gateway`. */
export const CLI_USAGE = `Usage: clawchat-mock-gateway --token <token> [options]

A mock OpenClaw gateway (protocol v4) for tests and demos. Prints its ws:// URL, then runs until
SIGINT or SIGTERM, which stop it cleanly (shutdown event, close 1012).

Options:
  --token <token>            gateway token clients must send (or env OPENCLAW_GATEWAY_TOKEN)
  --port <n>                 port to listen on (default 18789; 0 picks a free one)
  --host <host>              interface (default 127.0.0.1)
  --tick-interval-ms <n>     tick event interval (default 30000)
  --chunk-delay-ms <n>       pause between reply chunks (default 25)
  --allowed-origin <origin>  browser Origin to accept besides loopback (repeatable)
  --failure <mode>           none | model-error | cut-stream (default none)
  --exec-mode <mode>         full | ask (default full; ask: every exec waits for an approval)
  --control-ui-base-path <p> serve a Control UI stand-in under <p> (e.g. /clawchat/control; default off)
  --verbose                  log connections and runs to stderr
  --help                     show this text`

/** The flags, for `node:util` `parseArgs` (a flag's value is the next argument, whatever it is). */
const FLAGS = {
  token: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'tick-interval-ms': { type: 'string' },
  'chunk-delay-ms': { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  failure: { type: 'string' },
  'exec-mode': { type: 'string' },
  'control-ui-base-path': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const FAILURE_MODES: readonly string[] = ['none', 'model-error', 'cut-stream']

function execMode(value: FlagValue): 'full' | 'ask' | undefined {
  if (value === undefined) return undefined
  const mode = text(value) ?? ''
  if (mode !== 'full' && mode !== 'ask')
    throw new CliArgError(`--exec-mode must be full or ask, got ${JSON.stringify(mode)}`)
  return mode
}

/** A flag's value as `parseArgs` gives it: a string, `true` when the flag came without one, `undefined` if absent. */
type FlagValue = string | boolean | undefined

/** Thrown by the value checks below; becomes `{kind:'error'}`. */
class CliArgError extends Error {}

function text(value: FlagValue): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function required(flag: string, value: FlagValue): string {
  const v = text(value)
  if (!v) throw new CliArgError(`${flag} needs a value`)
  return v
}

function wholeNumber(flag: string, value: FlagValue): number | undefined {
  if (value === undefined) return undefined
  const v = text(value)
  if (v === undefined || !/^\d+$/.test(v)) {
    throw new CliArgError(`${flag} needs a whole number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`)
  }
  return Number(v)
}

function failureMode(value: FlagValue): MockFailure | undefined {
  if (value === undefined) return undefined
  const mode = text(value) ?? ''
  if (!FAILURE_MODES.includes(mode)) {
    throw new CliArgError(`--failure must be none, model-error or cut-stream, got ${JSON.stringify(mode)}`)
  }
  return mode as MockFailure
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: FLAGS, strict: false, allowPositionals: true, tokens: true })
}

type Token = ReturnType<typeof parse>['tokens'][number]
type Values = ReturnType<typeof parse>['values']

/** The argument as typed, if it is not one of {@link FLAGS} (a positional, `--`, an unknown flag). */
function unknownArgument(token: Token): string | undefined {
  if (token.kind === 'positional') return token.value
  if (token.kind === 'option-terminator') return '--'
  return Object.hasOwn(FLAGS, token.name) ? undefined : token.rawName
}

/** `--help` (or `-h`), unless an unknown argument comes first: then an error naming it. */
function helpOrUnknown(tokens: Token[]): CliCommand | undefined {
  for (const token of tokens) {
    if (token.kind === 'option' && token.name === 'help') return { kind: 'help' }
    const unknown = unknownArgument(token)
    if (unknown !== undefined)
      return { kind: 'error', message: `unknown argument ${JSON.stringify(unknown)} (see --help)` }
  }
  return undefined
}

/** The gateway options the flags ask for; throws {@link CliArgError} naming a flag with a bad value. */
function runOptions(values: Values, token: string): MockGatewayOptions {
  const options: MockGatewayOptions = { token, port: wholeNumber('--port', values.port) ?? 18789 }
  if (values.host !== undefined) options.host = required('--host', values.host)
  options.allowedOrigins = (values['allowed-origin'] ?? []).map((o) => required('--allowed-origin', o))
  const tickIntervalMs = wholeNumber('--tick-interval-ms', values['tick-interval-ms'])
  const chunkDelayMs = wholeNumber('--chunk-delay-ms', values['chunk-delay-ms'])
  const failure = failureMode(values.failure)
  if (tickIntervalMs !== undefined) options.tickIntervalMs = tickIntervalMs
  if (chunkDelayMs !== undefined) options.chunkDelayMs = chunkDelayMs
  if (failure !== undefined) options.failure = failure
  const mode = execMode(values['exec-mode'])
  if (mode !== undefined) options.exec = { mode }
  if (values['control-ui-base-path'] !== undefined) {
    const basePath = required('--control-ui-base-path', values['control-ui-base-path'])
    const problem = basePathProblem(basePath)
    if (problem) throw new CliArgError(`--control-ui-base-path ${problem}, got ${JSON.stringify(basePath)}`)
    options.controlUi = { basePath }
  }
  if (values.verbose) options.log = (line: string) => process.stderr.write(`[mock-gateway] ${line}\n`)
  return options
}

/** Parses `clawchat-mock-gateway` arguments (without `node` and the script). */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliCommand {
  const { values, tokens } = parse(argv)
  const early = helpOrUnknown(tokens)
  if (early) return early
  // `--token` without a value counts as no token, even with the environment variable set.
  const token = values.token === undefined ? env.OPENCLAW_GATEWAY_TOKEN : text(values.token)
  try {
    const options = runOptions(values, token ?? '')
    if (!token) return { kind: 'error', message: '--token is required (or set OPENCLAW_GATEWAY_TOKEN)' }
    return { kind: 'run', options }
  } catch (err) {
    if (err instanceof CliArgError) return { kind: 'error', message: err.message }
    throw err
  }
}
