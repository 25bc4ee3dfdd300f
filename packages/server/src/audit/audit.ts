/**
 * The audit trail: one JSON line (pino) per connection opened or closed, request (user,
 * connection, method, browser session key, request id, bytes, outcome, duration), denial,
 * rate-limit episode, ended session, refused upgrade, change of the upstream link, decision on an
 * approval and answer to a question (with the user who made it), and the Control UI's consoles
 * (opened, each request's method, closed, refused). Lines name
 * users and browser session keys — never the gateway token, the device key, an app session id or an
 * upstream identifier, and message text only when `audit.bodies` is on.
 */
import type { Redactor } from '../common/errors.js'
import type { LoggerLike } from '../common/log.js'

/** One audit entry (the `event` field says which). */
export type AuditEntry =
  | { event: 'connection.open'; userId: string; connId: string; origin?: string; ip?: string }
  | {
      event: 'connection.close'
      userId: string
      connId: string
      code: number
      reason?: string
      /** Who closed: the proxy (limits, logout, shutdown) or the browser / the network. */
      by: 'server' | 'client'
      ms: number
      frames: number
      invalidFrames: number
      rateLimited: number
    }
  | {
      event: 'upgrade.refused'
      /** The HTTP status of a refusal before the WebSocket exists (401, 403, 429, 500, 503). */
      status?: number
      /** The close code of a refusal right after the upgrade (4429). */
      code?: number
      reason: string
      userId?: string
      origin?: string
      ip?: string
    }
  | {
      event: 'request'
      userId: string
      connId: string
      id: string
      method: string
      sessionKey?: string
      /** Size of the request frame, bytes. */
      bytes: number
      outcome: 'ok' | 'error' | 'cancelled'
      code?: string
      ms: number
      /** The browser's params, with `audit.bodies` only. */
      params?: unknown
    }
  | { event: 'request.denied'; userId: string; connId: string; id: string; method: string; code: string; bytes: number }
  | { event: 'rate.limited'; userId: string; connId: string; scope: 'connection' | 'user'; retryAfterMs: number }
  | { event: 'session.ended'; userId: string; reason: string; connections: number }
  | {
      /** A decision on an approval, sent upstream by the proxy (issue 18). */
      event: 'approval.decision'
      /** Who decided: the user's id, or `clawchat` for the proxy's own unattended deny. */
      userId: string
      role?: 'user' | 'admin'
      approvalId: string
      kind: 'exec' | 'plugin'
      decision: string
      /** Whose run waited for it; absent for a run started outside ClawChat (`external`). */
      ownerUserId?: string
      external?: boolean
      outcome: 'ok' | 'error'
      code?: string
      /** For the proxy's own decision: why. */
      reason?: string
    }
  | {
      /** An answer to (or the cancelling of) a question of the agent, sent upstream by the proxy. */
      event: 'question.answer'
      userId: string
      questionId: string
      status: 'answered' | 'cancelled'
      outcome: 'ok' | 'error'
      code?: string
    }
  /**
   * The Control UI (issue 21): a console socket opened, a request on it, its close, a refusal. `path`:
   * a root socket piped to the gateway (`/browser/screencast`, `/desktop/observe`; never its query).
   */
  | { event: 'control-ui.open'; userId: string; connId: string; path?: string; ip?: string }
  | { event: 'control-ui.request'; userId: string; connId: string; method: string; outcome?: 'rate-limited' }
  | { event: 'control-ui.close'; userId: string; connId: string; path?: string; code?: number }
  | {
      event: 'control-ui.refused'
      status: number
      reason: string
      kind: 'http' | 'socket'
      userId?: string
      ip?: string
    }
  | {
      event: 'gateway.state'
      state: 'up' | 'down' | 'misconfigured' | 'failed'
      reason?: string
      gatewayVersion?: string
    }

/** Writes audit entries. */
export interface Audit {
  /** True when request params (message text) may be recorded. */
  readonly bodies: boolean
  record(entry: AuditEntry): void
}

/** The longest method name or request id an entry repeats. */
const MAX_NAME = 128

/** An audit trail on a pino logger, or one that writes nothing. */
export function createAudit(logger: LoggerLike | undefined, redact: Redactor, bodies = false): Audit {
  if (!logger) return { bodies: false, record: () => undefined }
  return {
    bodies,
    record(entry) {
      try {
        const fields = entry as Record<string, unknown>
        for (const key of ['method', 'id'] as const) {
          const value = fields[key]
          if (typeof value === 'string' && value.length > MAX_NAME) fields[key] = `${value.slice(0, MAX_NAME)}…`
        }
        let text: string
        try {
          text = JSON.stringify(entry)
        } catch {
          // Params nested too deeply to serialise: keep the line, without them.
          delete fields.params
          fields.paramsOmitted = true
          text = JSON.stringify(entry)
        }
        const clean = redact(text)
        logger.info(clean === text ? entry : (JSON.parse(clean) as object), `clawchat ${entry.event}`)
      } catch {
        // Auditing must never break the relay.
      }
    },
  }
}
