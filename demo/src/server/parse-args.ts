import { resolve } from 'node:path'
import { parseArgs as parseCommandLine, type ParseArgsConfig } from 'node:util'
import { checkGatewayUrl } from './gateway-url.js'
import { DEFAULT_USERS_SPEC, resolveUsers, type DemoUser } from './users.js'
import { DEFAULT_DATA_DIR } from './paths.js'
import express from 'express'
import { setTrustProxy } from './trust-proxy.js'
import type { DemoMode } from './start-demo.js'
import { CONTROL_UI_DEFAULT_ADMIN, CONTROL_UI_PATH, controlUiProblem } from './control-ui.js'

/** What the command line (and the environment) asked for. */
export interface CliOptions {
  port: number
  host: string
  mode: DemoMode
  /** Absent: the built-in mock gateway. */
  gateway?: { url: string; token: string }
  users: DemoUser[]
  /** True when the users are the built-in defaults (their passwords are printed at start). */
  defaultUsers: boolean
  dataDir: string
  sessionSecret?: string
  /** `redis://…`: sessions in Redis, coordinated with other instances. */
  redisUrl?: string
  /** Express's `trust proxy`. */
  trustProxy?: boolean | number | string
  /** `--control-ui`: OpenClaw's Control UI for administrators at /clawchat/control. */
  controlUi: boolean
}

export type CliCommand = { kind: 'help' } | { kind: 'run'; options: CliOptions }

/** A mistake on the command line; the message says what to do. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export const USAGE = `Usage: clawchat-demo [options]

Runs the ClawChat demo site. Without a gateway it starts the built-in mock gateway;
with one it is a standalone ClawChat for people without an Express app of their own.

Options:
  -g, --gateway <url>     OpenClaw gateway URL (env OPENCLAW_GATEWAY_URL), e.g. ws://127.0.0.1:18789.
                          Plain ws:// only to loopback or private hosts; otherwise use wss://
                          (or OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 on a trusted private network).
  -t, --token <token>     the gateway token (env OPENCLAW_GATEWAY_TOKEN; prefer the variable:
                          a command line is visible to other users of this machine)
  -mode, --mode <mode>    proxy (default): the token stays on this server and users are kept apart.
                          direct: the browser gets the token and talks to the gateway itself —
                          personal use only (env CLAWCHAT_MODE)
  -p, --port <port>       port to listen on (env PORT, default 36006)
      --host <address>    address to listen on (env HOST, default 127.0.0.1; 0.0.0.0 for all)
      --users <list|file> demo accounts "name:password,name:password[:admin]" or a .json file
                          (env CLAWCHAT_DEMO_USERS, default alice and bob)
      --data-dir <dir>    sessions, session secret and device identity (env CLAWCHAT_DATA_DIR,
                          default demo/.data)
      --redis <url>       keep sessions in Redis (connect-redis) and coordinate with every other
                          instance on it: run several behind one load balancer
                          (env CLAWCHAT_REDIS_URL, e.g. redis://127.0.0.1:6379)
      --trust-proxy <v>   Express "trust proxy" behind a load balancer: loopback, a hop count,
                          true, or addresses (env CLAWCHAT_TRUST_PROXY; default off)
      --control-ui        OpenClaw's own Control UI for administrators, behind this site's login, at
                          ${CONTROL_UI_PATH} (env CLAWCHAT_CONTROL_UI=1). Proxy mode only. Your own
                          gateway must serve it there: gateway.controlUi.basePath "${CONTROL_UI_PATH}".
                          Without --users it adds the account admin (an administrator).
  -h, --help              print this help

Environment: CLAWCHAT_SESSION_SECRET signs session cookies (default: generated once and kept in
the data folder). Instances behind one load balancer need the same secret.

Examples (from the repository root; give the token in the environment rather than with -t):
  npx -y pnpm@12.4.2 demo
  OPENCLAW_GATEWAY_URL=ws://127.0.0.1:18789 OPENCLAW_GATEWAY_TOKEN=... npx -y pnpm@12.4.2 demo
  OPENCLAW_GATEWAY_TOKEN=... npx -y pnpm@12.4.2 demo -g wss://gateway.example.com --host 0.0.0.0
  CLAWCHAT_SESSION_SECRET=... npx -y pnpm@12.4.2 demo --redis redis://127.0.0.1:6379 -p 36007
  npx -y pnpm@12.4.2 demo --control-ui       (sign in as admin: the Control UI link is in the sidebar)
`

/** The flags, as node:util's `parseArgs` reads them (values are checked after, with messages that name the flag). */
const OPTIONS = {
  gateway: { type: 'string', short: 'g' },
  token: { type: 'string', short: 't' },
  mode: { type: 'string', short: 'm' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  users: { type: 'string' },
  'data-dir': { type: 'string' },
  redis: { type: 'string' },
  'trust-proxy': { type: 'string' },
  'control-ui': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

/** Flags that take no value. */
type Switch = 'help' | 'control-ui'
type Flags = Partial<Record<Exclude<keyof typeof OPTIONS, Switch>, string>> & { controlUi?: true }

/** One-dash spellings, and the flag each is: `-mode` and `-help` take one dash, unlike `parseArgs`' long flags. */
const ONE_DASH: Record<string, keyof typeof OPTIONS> = {
  '-g': 'gateway',
  '-t': 'token',
  '-m': 'mode',
  '-mode': 'mode',
  '-p': 'port',
  '-h': 'help',
  '-help': 'help',
}

/** Every way to write a flag (to tell a missing value from a value). */
const SPELLINGS = new Set([...Object.keys(ONE_DASH), ...Object.keys(OPTIONS).map((long) => `--${long}`)])

/**
 * Parses the command line; flags win over environment variables.
 * @throws UsageError for an unknown flag, a missing value or a bad value.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const flags = readFlags(argv)
  return flags === 'help' ? { kind: 'help' } : { kind: 'run', options: resolveOptions(flags, env) }
}

/** The flags as given (`--` is ignored), or `help` when help was asked for before any mistake. */
function readFlags(argv: readonly string[]): Flags | 'help' {
  const typed = argv.filter((arg) => arg !== '--')
  const { tokens } = parseCommandLine({
    args: typed.map(spelledLong),
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const flags: Flags = {}
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unexpected argument "${token.value}"; see --help`)
    if (token.kind !== 'option') continue
    // The flag as the user wrote it, for the messages.
    const name = typed[token.index]!.split('=')[0]!
    if (!Object.hasOwn(OPTIONS, token.name)) throw new UsageError(`unknown option ${name}; see --help`)
    if (token.name === 'help') return 'help'
    if (token.name === 'control-ui') {
      if (token.value !== undefined) throw new UsageError(`${name} takes no value; see --help`)
      if (flags.controlUi) throw new UsageError(`${name} is given twice`)
      flags.controlUi = true
      continue
    }
    const { value } = token
    // A value may start with "-", as tokens can; a known flag in its place means the value is missing.
    if (value === undefined || value === '' || (!token.inlineValue && SPELLINGS.has(value.split('=')[0]!)))
      throw new UsageError(`${name} needs a value; see --help`)
    const key = token.name as Exclude<keyof Flags, 'controlUi'>
    if (flags[key] !== undefined) throw new UsageError(`${name} is given twice`)
    flags[key] = value
  }
  return flags
}

/** `-mode x`, `-help` and `-p=8080` as `parseArgs` reads them: `--mode x`, `--help`, `--port=8080`. */
function spelledLong(arg: string): string {
  const eq = arg.indexOf('=')
  const long = ONE_DASH[eq > 0 ? arg.slice(0, eq) : arg]
  if (!long || (eq < 0 && arg.length === 2)) return arg
  return `--${long}${eq > 0 ? arg.slice(eq) : ''}`
}

function resolveOptions(flags: Flags, env: NodeJS.ProcessEnv): CliOptions {
  const mode = (flags.mode ?? env.CLAWCHAT_MODE ?? 'proxy').toLowerCase()
  if (mode !== 'proxy' && mode !== 'direct') throw new UsageError(`--mode must be "proxy" or "direct", got "${mode}"`)

  const portText = flags.port ?? env.PORT ?? '36006'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, got "${portText}"`)

  const url = flags.gateway ?? nonEmpty(env.OPENCLAW_GATEWAY_URL)
  const token = flags.token ?? nonEmpty(env.OPENCLAW_GATEWAY_TOKEN)
  let gateway: CliOptions['gateway']
  if (url !== undefined || flags.token !== undefined) {
    if (url === undefined)
      throw new UsageError('-t/--token was given without a gateway: add -g <url> (or OPENCLAW_GATEWAY_URL)')
    if (token === undefined)
      throw new UsageError(`a gateway needs its token: add -t <token> or set OPENCLAW_GATEWAY_TOKEN`)
    try {
      gateway = { url: checkGatewayUrl(url, env), token }
    } catch (err) {
      throw new UsageError((err as Error).message, { cause: err })
    }
  }

  const usersValue = flags.users ?? nonEmpty(env.CLAWCHAT_DEMO_USERS)
  const controlUi = flags.controlUi ?? switchValue('CLAWCHAT_CONTROL_UI', env.CLAWCHAT_CONTROL_UI)
  let users: DemoUser[]
  try {
    users = resolveUsers(usersValue ?? (controlUi ? defaultUsersWithAdmin() : undefined))
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err })
  }
  const problem = controlUi ? controlUiProblem({ mode, users }) : undefined
  if (problem) throw new UsageError(`--control-ui: ${problem}`)

  const options: CliOptions = {
    port,
    host: flags.host ?? nonEmpty(env.HOST) ?? '127.0.0.1',
    mode,
    users,
    defaultUsers: usersValue === undefined,
    dataDir: resolve(flags['data-dir'] ?? nonEmpty(env.CLAWCHAT_DATA_DIR) ?? DEFAULT_DATA_DIR),
    controlUi,
  }
  if (gateway) options.gateway = gateway
  const secret = nonEmpty(env.CLAWCHAT_SESSION_SECRET)
  if (secret) options.sessionSecret = secret
  const redisUrl = flags.redis ?? nonEmpty(env.CLAWCHAT_REDIS_URL)
  if (redisUrl !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl))
      throw new UsageError(`--redis must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379`)
    options.redisUrl = redisUrl
  }
  const trustProxy = flags['trust-proxy'] ?? nonEmpty(env.CLAWCHAT_TRUST_PROXY)
  if (trustProxy !== undefined) options.trustProxy = trustProxyValue(trustProxy)
  return options
}

/**
 * Express's `trust proxy` from text: true/false, a hop count, or names and addresses as Express takes
 * them (checked by Express itself).
 */
function trustProxyValue(text: string): boolean | number | string {
  const value = text === 'true' ? true : text === 'false' ? false : /^\d+$/.test(text) ? Number(text) : text
  try {
    setTrustProxy(express(), value)
  } catch (err) {
    throw new UsageError(`--trust-proxy: ${(err as Error).message.replace(/^trustProxy /, '')}`, { cause: err })
  }
  return value
}

/** The default accounts and, for the Control UI, an administrator. */
function defaultUsersWithAdmin(): string {
  return `${DEFAULT_USERS_SPEC},${CONTROL_UI_DEFAULT_ADMIN}`
}

/** An on/off environment variable: 1/true/yes or 0/false/no (or unset). */
function switchValue(name: string, text: string | undefined): boolean {
  const value = nonEmpty(text)?.toLowerCase()
  if (value === undefined || ['0', 'false', 'no'].includes(value)) return false
  if (['1', 'true', 'yes'].includes(value)) return true
  throw new UsageError(`${name} must be 1 or 0 (true or false), got "${text}"`)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
