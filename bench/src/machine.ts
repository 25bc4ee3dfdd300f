/** The machine a run was measured on, and which build of ClawChat it measured. */
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, release, totalmem } from 'node:os'

/** What the report says about the machine. */
export interface MachineInfo {
  cpuModel: string
  cores: number
  node: string
  memoryGiB: number
  os: string
  /** `ulimit -n` of this process (soft/hard). */
  fdLimit: string
  /** 1-minute load average when the run started (other people's work on a shared machine). */
  loadAverageAtStart: number
  /** The built `@clawchat/server` that was measured: short sha-256 of dist/index.js and its build time. */
  serverBuild: { sha256: string; builtAt: string }
}

function fdLimit(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const [soft, hard] = line?.replace('Max open files', '').trim().split(/\s+/) ?? []
    return `${soft}/${hard}`
  } catch {
    return 'unknown'
  }
}

function serverBuild(): MachineInfo['serverBuild'] {
  try {
    const require = createRequire(import.meta.url)
    const cjs = require.resolve('@clawchat/server')
    const esm = cjs.replace(/index\.cjs$/, 'index.js')
    return {
      sha256: createHash('sha256').update(readFileSync(esm)).digest('hex').slice(0, 12),
      builtAt: statSync(esm).mtime.toISOString(),
    }
  } catch {
    return { sha256: 'unknown', builtAt: 'unknown' }
  }
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  const list = cpus()
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    fdLimit: fdLimit(),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    serverBuild: serverBuild(),
  }
}
