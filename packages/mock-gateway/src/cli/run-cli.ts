import { CLI_USAGE, parseCliArgs } from './cli-args.js'
import type { MockGateway } from '../mock-gateway.js'
import { startMockGateway } from '../start-mock-gateway.js'

/** Where the CLI writes and which signals it listens to (the real `process` in the bin). */
export interface CliHost {
  argv: readonly string[]
  env: Record<string, string | undefined>
  stdout: (text: string) => void
  stderr: (text: string) => void
  onSignal: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => void
}

/** The CLI's outcome: the exit code, and the gateway while it runs. */
export interface CliRun {
  /** Resolves with the exit code once the CLI is done (after a signal, or at once on bad arguments). */
  exitCode: Promise<number>
  gateway?: MockGateway
}

/**
 * Runs `clawchat-mock-gateway`: starts the gateway, prints its URL on stdout, and on SIGINT/SIGTERM
 * closes it (shutdown event, 1012) and resolves with exit code 0.
 */
export async function runCli(host: CliHost): Promise<CliRun> {
  const command = parseCliArgs(host.argv, host.env)
  if (command.kind === 'help') {
    host.stdout(`${CLI_USAGE}\n`)
    return { exitCode: Promise.resolve(0) }
  }
  if (command.kind === 'error') {
    host.stderr(`clawchat-mock-gateway: ${command.message}\n`)
    return { exitCode: Promise.resolve(2) }
  }
  let gateway: MockGateway
  try {
    gateway = await startMockGateway(command.options)
  } catch (err) {
    host.stderr(`clawchat-mock-gateway: could not start: ${(err as Error).message}\n`)
    return { exitCode: Promise.resolve(1) }
  }
  host.stdout(`${gateway.url}\n`)
  const exitCode = new Promise<number>((resolve) => {
    let stopping = false
    const stop = () => {
      if (stopping) return
      stopping = true
      gateway.close().then(
        () => resolve(0),
        () => resolve(1),
      )
    }
    host.onSignal('SIGINT', stop)
    host.onSignal('SIGTERM', stop)
  })
  return { exitCode, gateway }
}
