/**
 * The audit trail (option `audit`: a pino logger; default none): who connected, who called what on
 * which of their sessions, what was refused. Entries name users and browser session keys — never
 * message text, never the token, never an upstream identifier.
 */
import type { Redactor } from './errors.js'
import type { LoggerLike } from './log.js'

/** One audit entry. */
export type AuditEntry =
  | { event: 'connection.open'; userId: string; connId: string; origin?: string }
  | { event: 'connection.close'; userId: string; connId: string; code: number; reason?: string }
  | { event: 'upgrade.refused'; status: number; reason: string; userId?: string; origin?: string }
  | { event: 'request'; userId: string; connId: string; method: string; sessionKey?: string; ok: boolean; code?: string; ms: number }
  | { event: 'request.denied'; userId: string; connId: string; method: string; code: string }

/** Writes audit entries. */
export interface Audit {
  record(entry: AuditEntry): void
}

/** An audit trail on a pino logger, or one that writes nothing. */
export function createAudit(logger: LoggerLike | undefined, redact: Redactor): Audit {
  if (!logger) return { record: () => undefined }
  return {
    record(entry) {
      try {
        const text = JSON.stringify(entry)
        const clean = redact(text)
        logger.info(clean === text ? entry : (JSON.parse(clean) as object), `clawchat ${entry.event}`)
      } catch {
        // Auditing must never break the relay.
      }
    },
  }
}
