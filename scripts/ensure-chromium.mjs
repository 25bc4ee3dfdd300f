#!/usr/bin/env node
// The browser suites use Debian's Chromium (Playwright's own browser download cannot work offline).
// Installs it with apt-get when it is missing; fails with a sentence when that is not possible.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = process.env.CLAWCHAT_CHROMIUM ?? '/usr/bin/chromium'
if (existsSync(CHROMIUM)) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (!isRoot) {
  console.error(`Chromium is missing at ${CHROMIUM}. Install Debian's package first: sudo apt-get install -y chromium`)
  process.exit(1)
}
console.log(`Chromium is missing at ${CHROMIUM}: installing Debian's chromium package...`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
} catch (err) {
  console.error(`Could not install chromium with apt-get: ${err.message}`)
  process.exit(1)
}
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get finished but ${CHROMIUM} is still missing.`)
  process.exit(1)
}
console.log(`Chromium installed at ${CHROMIUM}.`)
