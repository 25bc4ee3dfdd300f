#!/usr/bin/env node
// Stands in for a root command whose part of ClawChat is still being built, so the README's
// commands fail with a sentence instead of a stack trace.
const what = process.argv[2]
const messages = {
  demo: 'The ClawChat demo site is coming: it needs the server and browser packages, which are still being built.',
  e2e: 'The end-to-end browser tests are coming together with the demo site.',
  bench: 'The relay benchmark is coming once the server package is complete.',
}
console.error(messages[what] ?? `"${what}" is not available yet.`)
process.exit(1)
