/**
 * The proxy's operational log (option `logger`): start-up problems, the upstream link's state,
 * pairing and configuration errors. Every line goes through the redactor first — the gateway
 * token never reaches a log, whatever error text carried it.
 */
import { pino } from 'pino'
import type { Redactor } from './errors.js'

/** A pino-compatible logger: pino itself, or anything with these four methods. */
export interface LoggerLike {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

/** The redacting log the proxy writes to. */
export interface ProxyLog {
  debug(message: string, fields?: object): void
  info(message: string, fields?: object): void
  warn(message: string, fields?: object): void
  error(message: string, fields?: object): void
}

/** The default operational logger: pino, level `info`, to stderr. */
export function defaultLogger(): LoggerLike {
  return pino({ name: 'clawchat', level: 'info' }, pino.destination({ dest: 2, sync: false }))
}

/** True when `value` has the four methods of {@link LoggerLike}. */
export function isLoggerLike(value: unknown): value is LoggerLike {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return ['debug', 'info', 'warn', 'error'].every((m) => typeof v[m] === 'function')
}

function redactFields(fields: object, redact: Redactor): object {
  const text = JSON.stringify(fields)
  if (text === undefined) return {}
  const clean = redact(text)
  return clean === text ? fields : (JSON.parse(clean) as object)
}

/** Wraps a logger so that every message and field is redacted. */
export function createLog(logger: LoggerLike, redact: Redactor): ProxyLog {
  const write =
    (level: keyof LoggerLike) =>
    (message: string, fields: object = {}) => {
      try {
        logger[level](redactFields(fields, redact), redact(message))
      } catch {
        // A broken logger must never break the relay.
      }
    }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}
