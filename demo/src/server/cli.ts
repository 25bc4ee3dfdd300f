#!/usr/bin/env node
import { parseArgs, USAGE, UsageError, type CliCommand, type CliOptions } from './parse-args.js'
import { startDemo, type RunningDemo } from './start-demo.js'
import { CONTROL_UI_PATH, CONTROL_UI_URL } from './control-ui.js'

/** The demo's command: parse flags, start the site, print where and how to log in, stop on a signal. */
async function main(): Promise<void> {
  const command = parseCommandLine()
  if (command.kind === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const o = command.options
  // Signals are taken from the start: a Ctrl+C while the site is starting stops it too, quietly.
  const signals = stopOnSignals()
  let demo: RunningDemo
  try {
    demo = await startDemo({
      port: o.port,
      host: o.host,
      mode: o.mode,
      users: o.users,
      dataDir: o.dataDir,
      ...(o.gateway ? { gateway: o.gateway } : {}),
      ...(o.sessionSecret ? { sessionSecret: o.sessionSecret } : {}),
      ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
      ...(o.trustProxy !== undefined ? { trustProxy: o.trustProxy } : {}),
      controlUi: o.controlUi,
      log: (line) => console.log(`[demo] ${line}`),
    })
  } catch (err) {
    if (signals.stopping()) process.exit(0)
    console.error(`clawchat-demo: could not start: ${redact((err as Error).message, o.gateway?.token)}`)
    process.exit(1)
  }
  if (signals.stopping()) {
    await demo.close()
    process.exit(0)
  }
  signals.started(demo)
  console.log(startupLines(o, demo).join('\n'))
}

/** The command line, or exit code 2 with the mistake on stderr. */
function parseCommandLine(): CliCommand {
  try {
    return parseArgs(process.argv.slice(2))
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`clawchat-demo: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
}

/**
 * SIGINT and SIGTERM stop the demo once it has started (exit 0), or exit after it started when they
 * came during the start; after 5 s of closing the process exits anyway (1).
 */
function stopOnSignals(): { started(demo: RunningDemo): void; stopping(): boolean } {
  let demo: RunningDemo | undefined
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n[demo] ${signal}: stopping…`)
    const force = setTimeout(() => process.exit(1), 5000)
    force.unref()
    if (demo) void demo.close().then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  return { started: (running) => (demo = running), stopping: () => stopping }
}

/** What the console shows once the site runs: where, how, and who may sign in. */
function startupLines(o: CliOptions, demo: RunningDemo): string[] {
  const local = o.host === '127.0.0.1' || o.host === '0.0.0.0' || o.host === '::'
  const url = local ? `http://localhost:${demo.port}` : demo.url
  const mode =
    demo.mode === 'proxy'
      ? 'proxy (the gateway token stays on this server)'
      : 'DIRECT (the browser holds the gateway token)'
  const gateway = demo.usesMockGateway
    ? `built-in mock gateway at ${demo.gatewayUrl} (token generated, not shown)`
    : demo.gatewayUrl
  const sessions =
    demo.sessionBackend === 'redis'
      ? 'Redis (connect-redis), coordinated with every instance on it'
      : 'files in the data folder'
  const lines = [
    '',
    `  ClawChat demo is running: ${url}`,
    `  mode:    ${mode}`,
    `  gateway: ${gateway}`,
    `  users:   ${o.users.map((u) => (o.defaultUsers ? `${u.id} / ${u.password}` : u.id)).join(',  ')}`,
    `  data:    ${o.dataDir}`,
    `  sessions: ${sessions}`,
    '',
  ]
  if (demo.controlUiUrl) lines.push(...controlUiLines(o, url, demo.usesMockGateway))
  if (demo.mode === 'direct') lines.push(...directModeWarning(url, demo.usesMockGateway))
  return lines
}

/** Where the Control UI is, who may open it, and what a gateway of one's own needs for it. */
function controlUiLines(o: CliOptions, url: string, usesMockGateway: boolean): string[] {
  const admins = o.users.filter((u) => u.role === 'admin').map((u) => u.id)
  const lines = [`  Control UI: ${url}${CONTROL_UI_URL} (for ${admins.join(', ')}: a link in the sidebar)`, '']
  if (!usesMockGateway) {
    lines.push(
      `  The gateway must serve its Control UI at ${CONTROL_UI_PATH}: openclaw config set`,
      `  gateway.controlUi.basePath ${CONTROL_UI_PATH}, then restart the gateway.`,
      '',
    )
  }
  return lines
}

function directModeWarning(url: string, usesMockGateway: boolean): string[] {
  const lines = [
    '  WARNING: direct mode gives the gateway token to every logged-in browser. Anyone who logs in,',
    '  and any script that runs in the page, can read it and reach every session on the gateway.',
    '  Use it for yourself only; use the default proxy mode for anyone else.',
    '',
  ]
  if (!usesMockGateway) {
    lines.push(
      `  The gateway must accept this page's Origin (${url}): same machine on loopback, or listed in`,
      "  the gateway's gateway.controlUi.allowedOrigins.",
      '',
    )
  }
  return lines
}

function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('[token]') : text
}

main().catch((err: unknown) => {
  console.error(`clawchat-demo: ${(err as Error)?.message ?? String(err)}`)
  process.exit(1)
})
