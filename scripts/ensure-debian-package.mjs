#!/usr/bin/env node
// Usage: node scripts/ensure-debian-package.mjs <debian-package> <binary-path>
// Some suites need a program from Debian's packages: the browser suites Debian's Chromium
// (Playwright's own browser download cannot work offline), the scaling-out tests redis-server
// (they start their own on a free loopback port). This installs the package with apt-get when the
// binary is missing and fails with a sentence when that is not possible. It never starts a service.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const [pkg, binary] = process.argv.slice(2)
if (!pkg || !binary) {
  console.error('usage: node scripts/ensure-debian-package.mjs <debian-package> <binary-path>')
  process.exit(2)
}
if (existsSync(binary)) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (!isRoot) {
  console.error(`${binary} is missing. Install Debian's package first: sudo apt-get install -y ${pkg}`)
  process.exit(1)
}
console.log(`${binary} is missing: installing Debian's ${pkg} package...`)
// RUNLEVEL=1 keeps policy-rc.d-less containers from starting a packaged service during installation.
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' }
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env })
} catch (err) {
  console.error(`Could not install ${pkg} with apt-get: ${err.message}`)
  process.exit(1)
}
if (!existsSync(binary)) {
  console.error(`apt-get finished but ${binary} is still missing.`)
  process.exit(1)
}
console.log(`${pkg} installed: ${binary}.`)
