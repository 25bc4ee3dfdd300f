#!/usr/bin/env node
import { parseArgs, USAGE, UsageError } from './parse-args.js'
import { startDemo, type RunningDemo } from './start-demo.js'

/** The demo's command: parse flags, start the site, print where and how to log in, stop on a signal. */
async function main(): Promise<void> {
  let command
  try {
    command = parseArgs(process.argv.slice(2))
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`clawchat-demo: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const o = command.options
  // Signals are taken from the start: a Ctrl+C while the site is starting stops it too, quietly.
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
      log: (line) => console.log(`[demo] ${line}`),
    })
  } catch (err) {
    if (stopping) process.exit(0)
    console.error(`clawchat-demo: could not start: ${redact((err as Error).message, o.gateway?.token)}`)
    process.exit(1)
  }
  if (stopping) {
    await demo.close()
    process.exit(0)
  }

  const url =
    o.host === '127.0.0.1' || o.host === '0.0.0.0' || o.host === '::' ? `http://localhost:${demo.port}` : demo.url
  const lines = [
    '',
    `  ClawChat demo is running: ${url}`,
    `  mode:    ${demo.mode === 'proxy' ? 'proxy (the gateway token stays on this server)' : 'DIRECT (the browser holds the gateway token)'}`,
    `  gateway: ${demo.usesMockGateway ? `built-in mock gateway at ${demo.gatewayUrl} (token generated, not shown)` : demo.gatewayUrl}`,
    `  users:   ${o.users.map((u) => (o.defaultUsers ? `${u.id} / ${u.password}` : u.id)).join(',  ')}`,
    `  data:    ${o.dataDir}`,
    `  sessions: ${demo.sessionBackend === 'redis' ? 'Redis (connect-redis), coordinated with every instance on it' : 'files in the data folder'}`,
    '',
  ]
  if (demo.mode === 'direct') {
    lines.push(
      '  WARNING: direct mode gives the gateway token to every logged-in browser. Anyone who logs in,',
      '  and any script that runs in the page, can read it and reach every session on the gateway.',
      '  Use it for yourself only; use the default proxy mode for anyone else.',
      '',
    )
    if (!demo.usesMockGateway) {
      lines.push(
        `  The gateway must accept this page's Origin (${url}): same machine on loopback, or listed in`,
        "  the gateway's gateway.controlUi.allowedOrigins.",
        '',
      )
    }
  }
  console.log(lines.join('\n'))
}

function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('[token]') : text
}

main().catch((err: unknown) => {
  console.error(`clawchat-demo: ${(err as Error)?.message ?? String(err)}`)
  process.exit(1)
})
