/**
 * `chat.send`: a message into one of the caller's own sessions. The session key and the
 * idempotency key (the run id) are mapped into the caller's namespace; attachments are rebuilt
 * field by field; text commands are suppressed unless the caller's role may run them.
 */
import { rebuildAttachments } from '../attachments.js'
import { mustSuppressCommands } from '../commands.js'
import {
  invalidParams,
  sessionKeyOf,
  singleCall,
  type Params,
  type PlanContext,
  type Planner,
} from '../request-plan.js'
import { isRecord } from '../../common/records.js'
import { IDEMPOTENCY_KEY_PATTERN, gatewaySessionKey, upstreamRunId } from '../session-keys.js'

const METHOD = 'chat.send'

const BAD_IDEMPOTENCY_KEY =
  'idempotencyKey must be 1 to 128 printable ASCII characters without spaces (a UUID is best), or left out'

/** The browser's idempotency key (a fresh one when it sent none), or undefined when it is malformed. */
function browserKeyOf(value: unknown, ctx: PlanContext): string | undefined {
  if (value === undefined) return ctx.newIdempotencyKey()
  return typeof value === 'string' && IDEMPOTENCY_KEY_PATTERN.test(value) ? value : undefined
}

/**
 * Must the gateway read this message as plain text? Without the flag it would run "/status",
 * "/model x -g", "/restart" with the link's admin authority. (A message that is not a string never
 * goes upstream: the gateway's schema refuses it first.)
 */
function suppressCommands(ctx: PlanContext, message: unknown): boolean {
  return typeof message !== 'string' || mustSuppressCommands(ctx.commands ?? [], message)
}

/**
 * Plans a `chat.send`. The answer's `runId` is the key the browser sent (or was given), whatever
 * the gateway echoed.
 *
 * @example
 * planChatSend({ message: 'Hello' }, ctx) // upstream: { sessionKey: 'clawchat:…:main', message, idempotencyKey }
 */
export const planChatSend: Planner = (params, ctx) => {
  const session = sessionKeyOf(METHOD, params.sessionKey)
  if (!session.ok) return session.result
  const browserKey = browserKeyOf(params.idempotencyKey, ctx)
  if (browserKey === undefined) return invalidParams(METHOD, BAD_IDEMPOTENCY_KEY)
  const upstream: Params = {
    sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key),
    message: params.message,
    idempotencyKey: upstreamRunId(ctx.namespace, ctx.userId, session.key, browserKey),
  }
  if (suppressCommands(ctx, params.message)) upstream.suppressCommandInterpretation = true
  if (params.attachments !== undefined) {
    const attachments = rebuildAttachments(params.attachments)
    if (typeof attachments === 'string') return invalidParams(METHOD, attachments)
    upstream.attachments = attachments
  }
  if (params.thinking !== undefined) upstream.thinking = params.thinking
  const mode = ctx.permissions?.modeFor(ctx.role)
  if (mode !== undefined) upstream.expectedPermissionMode = mode
  const planned = singleCall(METHOD, session.key, upstream, (payload) => {
    const status = isRecord(payload) && typeof payload.status === 'string' ? payload.status : 'started'
    return { runId: browserKey, status }
  })
  if (!planned.ok || mode === undefined || !ctx.permissions) return planned
  // policy.permissions: the session is prepared first, and the gateway refuses any other mode.
  const target = { userId: ctx.userId, role: ctx.role, gatewayKey: String(upstream.sessionKey) }
  return { ok: true, plan: ctx.permissions.guard(planned.plan, target) }
}
