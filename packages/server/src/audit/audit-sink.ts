/**
 * Where the audit trail goes (option `audit`): nowhere (the default), stdout (`true`), a file path
 * (opened at start-up, mode 0600, appended to), a writable stream, or the app's own pino logger —
 * alone or as `{ to, bodies }`. Validation is pure; {@link openAuditSink} opens the file.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { pino } from 'pino'
import { isLoggerLike, type LoggerLike } from '../common/log.js'

/** Anything with `write(line)`: a file stream, `process.stderr`, a test's collector. */
export interface AuditStream {
  write(line: string): unknown
}

/** Where audit lines go: a pino logger, a file path, or a stream. */
export type AuditSink = LoggerLike | AuditStream | string

/**
 * The long form of the `audit` option.
 *
 * @example
 * clawchatProxy({ ..., audit: { to: '/var/log/clawchat/audit.log', bodies: false } })
 */
export interface AuditOptions {
  /** Where lines go. Default: stdout. */
  to?: AuditSink
  /** Also record the params of each request (message text). Default `false`. */
  bodies?: boolean
}

/** The `audit` option: `false`/left out (off), `true` (stdout), a sink, or {@link AuditOptions}. */
export type AuditOption = boolean | AuditSink | AuditOptions

/** The `audit` option after validation. */
export type ResolvedAudit =
  | {
      sink:
        | { kind: 'stdout' }
        | { kind: 'path'; path: string }
        | { kind: 'stream'; stream: AuditStream }
        | { kind: 'logger'; logger: LoggerLike }
      bodies: boolean
    }
  | undefined

const SHAPE = 'must be true, a file path, a writable stream, a pino logger, or { to, bodies }'

function resolveSink(value: unknown, option: string, name: string): NonNullable<ResolvedAudit>['sink'] {
  if (typeof value === 'string') {
    if (value.trim().length === 0) throw new TypeError(`${name}: option "${option}" ${SHAPE}, got an empty string`)
    return { kind: 'path', path: value }
  }
  if (isLoggerLike(value)) return { kind: 'logger', logger: value }
  if (typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function')
    return { kind: 'stream', stream: value as AuditStream }
  const got = typeof value === 'function' ? 'a function' : value === null ? 'null' : typeof value
  throw new TypeError(`${name}: option "${option}" ${SHAPE}, got ${got}`)
}

/** Validates the `audit` option; throws a `TypeError` naming it. Opens nothing. */
export function resolveAuditOption(value: unknown, name = 'clawchatProxy'): ResolvedAudit {
  if (value === undefined || value === false) return undefined
  if (value === true) return { sink: { kind: 'stdout' }, bodies: false }
  const isOptions =
    typeof value === 'object' &&
    value !== null &&
    !isLoggerLike(value) &&
    typeof (value as { write?: unknown }).write !== 'function' &&
    Object.getPrototypeOf(value) === Object.prototype
  if (!isOptions) return { sink: resolveSink(value, 'audit', name), bodies: false }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o))
    if (key !== 'to' && key !== 'bodies')
      throw new TypeError(`${name}: unknown option "audit.${key}"; known: to, bodies`)
  if (o.bodies !== undefined && typeof o.bodies !== 'boolean')
    throw new TypeError(`${name}: option "audit.bodies" must be a boolean, got ${JSON.stringify(o.bodies)}`)
  return {
    sink: o.to === undefined ? { kind: 'stdout' } : resolveSink(o.to, 'audit.to', name),
    bodies: o.bodies === true,
  }
}

/** An open audit sink. */
export interface OpenAuditSink {
  logger: LoggerLike
  /** Flushes and closes what the proxy opened itself (a file); leaves the app's own streams and loggers open. */
  close(): Promise<void>
}

const PINO_OPTIONS = { name: 'clawchat-audit', level: 'info' } as const

/**
 * Opens the sink. A file is opened (and its directory created) synchronously, so a path that
 * cannot be written fails at start-up with a message naming the option.
 *
 * @example
 * const sink = openAuditSink(resolveAuditOption('/var/log/clawchat/audit.log'), onError)
 * sink?.logger.info({ event: 'x' }, 'clawchat x')
 * await sink?.close()
 */
export function openAuditSink(
  resolved: ResolvedAudit,
  onError: (error: Error) => void,
  name = 'clawchatProxy',
): OpenAuditSink | undefined {
  if (!resolved) return undefined
  const { sink } = resolved
  switch (sink.kind) {
    case 'logger':
      return { logger: sink.logger, close: async () => undefined }
    case 'stream':
      return { logger: pino(PINO_OPTIONS, sink.stream as NodeJS.WritableStream), close: async () => undefined }
    case 'stdout': {
      const destination = pino.destination({ dest: 1, sync: true })
      destination.on('error', onError)
      return { logger: pino(PINO_OPTIONS, destination), close: async () => undefined }
    }
    case 'path': {
      let fd: number
      try {
        mkdirSync(dirname(sink.path), { recursive: true })
        fd = openSync(sink.path, 'a', 0o600)
      } catch (error) {
        const why = `cannot open the audit file ${JSON.stringify(sink.path)}: ${(error as Error).message}`
        throw new TypeError(`${name}: option "audit": ${why}`, { cause: error })
      }
      let destination: ReturnType<typeof pino.destination>
      try {
        destination = pino.destination({ dest: fd, sync: false })
      } catch (error) {
        closeSync(fd)
        throw error
      }
      destination.on('error', onError)
      let closing: Promise<void> | undefined
      return {
        logger: pino(PINO_OPTIONS, destination),
        close: () =>
          (closing ??= new Promise<void>((resolve) => {
            const done = () => resolve()
            destination.once('close', done)
            destination.once('error', done)
            try {
              destination.end()
            } catch {
              resolve()
            }
            setTimeout(done, 2000).unref?.()
          })),
      }
    }
  }
}
