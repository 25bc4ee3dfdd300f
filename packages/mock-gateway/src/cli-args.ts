import type { MockFailure, MockGatewayOptions } from './options.js'

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
  --verbose                  log connections and runs to stderr
  --help                     show this text`

function intArg(name: string, value: string | undefined): number | string {
  if (value === undefined || !/^\d+$/.test(value))
    return `${name} needs a whole number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`
  return Number(value)
}

/** Parses `clawchat-mock-gateway` arguments (without `node` and the script). */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliCommand {
  const options: Partial<MockGatewayOptions> & { allowedOrigins: string[] } = { port: 18789, allowedOrigins: [] }
  let token = env.OPENCLAW_GATEWAY_TOKEN
  let verbose = false
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]
    const next = () => argv[++i]
    switch (arg) {
      case '--help':
      case '-h':
        return { kind: 'help' }
      case '--token':
        token = next()
        break
      case '--host': {
        const host = next()
        if (!host) return { kind: 'error', message: '--host needs a value' }
        options.host = host
        break
      }
      case '--port':
      case '--tick-interval-ms':
      case '--chunk-delay-ms': {
        const n = intArg(arg, next())
        if (typeof n === 'string') return { kind: 'error', message: n }
        if (arg === '--port') options.port = n
        else if (arg === '--tick-interval-ms') options.tickIntervalMs = n
        else options.chunkDelayMs = n
        break
      }
      case '--allowed-origin': {
        const origin = next()
        if (!origin) return { kind: 'error', message: '--allowed-origin needs a value' }
        options.allowedOrigins.push(origin)
        break
      }
      case '--failure': {
        const mode = next()
        if (mode !== 'none' && mode !== 'model-error' && mode !== 'cut-stream') {
          return {
            kind: 'error',
            message: `--failure must be none, model-error or cut-stream, got ${JSON.stringify(mode ?? '')}`,
          }
        }
        options.failure = mode as MockFailure
        break
      }
      case '--verbose':
        verbose = true
        break
      default:
        return { kind: 'error', message: `unknown argument ${JSON.stringify(arg)} (see --help)` }
    }
  }
  if (!token) return { kind: 'error', message: '--token is required (or set OPENCLAW_GATEWAY_TOKEN)' }
  return {
    kind: 'run',
    options: {
      ...options,
      token,
      ...(verbose ? { log: (line: string) => process.stderr.write(`[mock-gateway] ${line}\n`) } : {}),
    },
  }
}
