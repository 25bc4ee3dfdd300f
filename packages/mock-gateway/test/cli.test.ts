import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCliArgs } from '../src/cli/cli-args.js'
import { runCli, type CliHost, type CliRun } from '../src/cli/run-cli.js'
import { RawClient, connectParams } from './helpers/raw-client.js'

/** `clawchat-mock-gateway`: arguments, the printed URL and a clean stop on SIGINT/SIGTERM. */
const started: CliRun[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  await Promise.all(started.splice(0).map((r) => r.gateway?.close()))
})

async function start(host: CliHost): Promise<CliRun> {
  const run = await runCli(host)
  started.push(run)
  return run
}

function fakeHost(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const signals = new EventEmitter()
  const host: CliHost = {
    argv,
    env,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    onSignal: (signal, handler) => signals.once(signal, handler),
  }
  return { host, out, err, signals }
}

describe('parseCliArgs', () => {
  it('--control-ui-base-path turns the Control UI stand-in on, and a bad path is named', () => {
    expect(parseCliArgs(['--token', 'T', '--control-ui-base-path', '/clawchat/control'])).toMatchObject({
      kind: 'run',
      options: { controlUi: { basePath: '/clawchat/control' } },
    })
    expect(parseCliArgs(['--token', 'T'])).toMatchObject({
      kind: 'run',
      options: expect.not.objectContaining({ controlUi: expect.anything() }),
    })
    expect(parseCliArgs(['--token', 'T', '--control-ui-base-path', 'clawchat/'])).toEqual({
      kind: 'error',
      message: '--control-ui-base-path must start with "/", got "clawchat/"',
    })
    expect(parseCliArgs(['--token', 'T', '--control-ui-base-path'])).toEqual({
      kind: 'error',
      message: '--control-ui-base-path needs a value',
    })
  })

  it('reads the options and defaults the port to 18789', () => {
    const cmd = parseCliArgs([
      '--token',
      'T',
      '--tick-interval-ms',
      '500',
      '--allowed-origin',
      'https://a.example',
      '--failure',
      'model-error',
    ])
    expect(cmd).toMatchObject({
      kind: 'run',
      options: {
        token: 'T',
        port: 18789,
        tickIntervalMs: 500,
        allowedOrigins: ['https://a.example'],
        failure: 'model-error',
      },
    })
  })

  it('takes the token from OPENCLAW_GATEWAY_TOKEN, and explains what is missing or wrong', () => {
    expect(parseCliArgs(['--port', '0'], { OPENCLAW_GATEWAY_TOKEN: 'E' })).toMatchObject({
      kind: 'run',
      options: { token: 'E', port: 0 },
    })
    expect(parseCliArgs([])).toEqual({ kind: 'error', message: '--token is required (or set OPENCLAW_GATEWAY_TOKEN)' })
    expect(parseCliArgs(['--token', 'T', '--port', 'x'])).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('--port needs a whole number'),
    })
    expect(parseCliArgs(['--token', 'T', '--nope'])).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('unknown argument "--nope"'),
    })
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' })
  })

  it('names the flag whose value is missing or wrong, and any argument it does not know', () => {
    const error = (argv: string[]) => parseCliArgs(['--token', 'T', ...argv])
    expect(error(['--port'])).toEqual({ kind: 'error', message: '--port needs a whole number, got nothing' })
    expect(error(['--chunk-delay-ms', '-5'])).toEqual({
      kind: 'error',
      message: '--chunk-delay-ms needs a whole number, got "-5"',
    })
    expect(error(['--host'])).toEqual({ kind: 'error', message: '--host needs a value' })
    expect(error(['--allowed-origin', ''])).toEqual({ kind: 'error', message: '--allowed-origin needs a value' })
    expect(error(['--failure', 'sometimes'])).toEqual({
      kind: 'error',
      message: '--failure must be none, model-error or cut-stream, got "sometimes"',
    })
    expect(error(['--exec-mode', 'maybe'])).toEqual({
      kind: 'error',
      message: '--exec-mode must be full or ask, got "maybe"',
    })
    expect(error(['--exec-mode', 'ask'])).toMatchObject({ kind: 'run', options: { exec: { mode: 'ask' } } })
    expect(error(['stray'])).toEqual({ kind: 'error', message: 'unknown argument "stray" (see --help)' })
    expect(error(['--nope', '--help'])).toMatchObject({ message: 'unknown argument "--nope" (see --help)' })
    expect(error(['-h'])).toEqual({ kind: 'help' })
    // `--token` without a value is no token, even with the environment variable set.
    expect(parseCliArgs(['--token'], { OPENCLAW_GATEWAY_TOKEN: 'E' })).toMatchObject({ kind: 'error' })
    expect(parseCliArgs(['--verbose', '--token', 'T'])).toMatchObject({
      kind: 'run',
      options: { token: 'T', log: expect.any(Function) },
    })
  })
})

describe('runCli', () => {
  it('prints the URL, serves connections and stops cleanly with exit 0 on SIGTERM (clients see shutdown and 1012)', async () => {
    const { host, out, signals } = fakeHost(['--token', 'cli-token', '--port', '0'])
    const run = await start(host)
    const url = out.join('').trim()
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(url).toBe(run.gateway!.url)
    const c = await RawClient.open(url)
    clients.push(c)
    expect((await c.connect(connectParams({ token: 'cli-token' }))).ok).toBe(true)
    signals.emit('SIGTERM')
    expect(await run.exitCode).toBe(0)
    expect((await c.closed).code).toBe(1012)
    expect(c.events('shutdown')).toHaveLength(1)
    expect(run.gateway!.listening).toBe(false)
  })

  it('SIGINT stops it too', async () => {
    const { host, signals } = fakeHost(['--token', 'cli-token', '--port', '0'])
    const run = await start(host)
    signals.emit('SIGINT')
    expect(await run.exitCode).toBe(0)
    expect(run.gateway!.listening).toBe(false)
  })

  it('exits 2 with a message on bad arguments and prints usage on --help', async () => {
    const bad = fakeHost(['--port', '1'])
    expect(await (await start(bad.host)).exitCode).toBe(2)
    expect(bad.err.join('')).toContain('--token is required')
    const help = fakeHost(['--help'])
    expect(await (await start(help.host)).exitCode).toBe(0)
    expect(help.out.join('')).toContain('Usage: clawchat-mock-gateway')
  })
})
