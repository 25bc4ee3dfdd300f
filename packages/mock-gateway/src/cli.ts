#!/usr/bin/env node
import { runCli } from './cli/run-cli.js'

runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.once(signal, handler),
})
  .then((run) => run.exitCode)
  .then((code) => process.exit(code))
