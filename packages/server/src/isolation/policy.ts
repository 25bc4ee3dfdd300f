/**
 * Where isolation lives — pure functions, no sockets: may this user call this method, on which
 * gateway session, with which params; and what of the answer may the user see.
 *
 * Every method a browser can reach has a planner below. A planner validates the browser's params
 * against a closed list (extra params → `INVALID_REQUEST`), maps the browser's session key and run
 * id into the user's own namespace (so no crafted value can name anybody else's session or run),
 * and maps the gateway's answer back through the field whitelists.
 */
import { ADMIN_METHODS, METHOD_NAMES, USER_METHODS, parseSessionKey, type ErrorShape } from '@clawchat/protocol'
import { mustSuppressCommands, type CommandAllowance } from './commands.js'
import {
  historyPaging,
  historyRequest,
  previewOf,
  readBounds,
  sessionsListPaging,
  sessionsListRequest,
  wasTruncated,
  type ReadBounds,
} from './bounded-reads.js'
import { forbidden, invalidRequest } from '../shared/errors.js'
import { browserRunId, sanitizeHistoryMessage, sanitizeSessionRow, type ViewContext } from './sanitize.js'
import { isRecord, pick } from '../shared/records.js'
import { IDEMPOTENCY_KEY_PATTERN, gatewaySessionKey, parseUpstreamRunId, upstreamRunId } from './session-keys.js'

/** A user's role as `authenticate` returned it. */
export type Role = 'user' | 'admin'

/** Which methods each role may call. Default-deny: a method in neither list is refused. */
export interface MethodPolicy {
  user: readonly string[]
  admin: readonly string[]
}

/** The default policy: `USER_METHODS` for users, `ADMIN_METHODS` for admins. */
export const DEFAULT_METHOD_POLICY: MethodPolicy = { user: [...USER_METHODS], admin: [...ADMIN_METHODS] }

/** Every method the proxy knows how to relay safely (a policy may only name these). */
export const RELAYABLE_METHODS: readonly string[] = METHOD_NAMES

/** The methods a role may call. */
export function allowedMethods(policy: MethodPolicy, role: Role): string[] {
  return [...(role === 'admin' ? policy.admin : policy.user)]
}

/** The OpenClaw scopes a role effectively has through the proxy (shown in `hello-ok`). */
export function effectiveScopes(role: Role): string[] {
  return role === 'admin' ? ['operator.read', 'operator.write', 'operator.admin'] : ['operator.read', 'operator.write']
}

/**
 * May a user with `role` call `method`? `null` when yes, else the `FORBIDDEN` error to answer.
 *
 * @example
 * mayCall(DEFAULT_METHOD_POLICY, 'user', 'config.set') // { code: 'FORBIDDEN', message: 'Method "config.set" ...' }
 */
export function mayCall(policy: MethodPolicy, role: Role, method: string): ErrorShape | null {
  if (allowedMethods(policy, role).includes(method)) return null
  const shown = method.length > 80 ? `${method.slice(0, 80)}…` : method
  if (RELAYABLE_METHODS.includes(method)) {
    return forbidden(`Method "${shown}" is not allowed for your role (${role}). Ask an administrator if you need it.`)
  }
  return forbidden(
    `Method "${shown}" is not available through ClawChat: only ${allowedMethods(policy, role).join(', ')} can be called. Check the method name.`,
  )
}

/** Everything a planner needs to know about the caller. */
export interface PlanContext extends ViewContext {
  role: Role
  /**
   * The gateway text commands (`/status`, …) this caller may run; every other `chat.send` goes
   * upstream with `suppressCommandInterpretation: true`. Default: none.
   */
  commands?: CommandAllowance
  /** The bounds of `chat.history` and `sessions.list` answers (`limits.history*`, `limits.sessionsListMaxRows`). Default: the default limits. */
  limits?: Partial<ReadBounds>
  /** Makes a fresh idempotency key when the browser sent none (injected to keep this pure). */
  newIdempotencyKey: () => string
}

/** Sends one request upstream and resolves with its payload (or rejects with the gateway's error). */
export type UpstreamCall = (method: string, params: Record<string, unknown>) => Promise<unknown>

/** A request the proxy will make on the user's behalf. */
export interface RequestPlan {
  /** The upstream method (for logs and audit). */
  method: string
  /** The browser session key it concerns, when there is one (for logs and audit). */
  sessionKey?: string
  /** Runs the request through `call` and resolves with what the browser may see. */
  run(call: UpstreamCall): Promise<unknown>
}

/** The result of {@link planRequest}. */
export type PlanResult = { ok: true; plan: RequestPlan } | { ok: false; error: ErrorShape }

type Params = Record<string, unknown>
type Planner = (params: Params, ctx: PlanContext) => PlanResult

function fail(message: string): PlanResult {
  return { ok: false, error: invalidRequest(message) }
}

/** Refuses params outside `allowed`, naming the first one. */
function unexpected(method: string, params: Params, allowed: readonly string[]): PlanResult | null {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      return fail(
        `invalid ${method} params: unexpected property '${key.slice(0, 64)}' (allowed: ${allowed.join(', ')})`,
      )
    }
  }
  return null
}

function sessionKeyOf(method: string, value: unknown): { ok: true; key: string } | { ok: false; result: PlanResult } {
  const parsed = parseSessionKey(value)
  return parsed.ok ? parsed : { ok: false, result: fail(`invalid ${method} params: ${parsed.message}`) }
}

/**
 * A plan of exactly one upstream call: send `upstream`, then turn the gateway's payload into what
 * the browser may see with `answer` (which must whitelist and rewrite, never pass through).
 */
function singleCall(
  method: string,
  sessionKey: string | undefined,
  upstream: Params,
  answer: (payload: unknown) => unknown,
): PlanResult {
  const plan: RequestPlan = {
    method,
    async run(call) {
      return answer(await call(method, upstream))
    },
  }
  if (sessionKey !== undefined) plan.sessionKey = sessionKey
  return { ok: true, plan }
}

/** The fields of an attachment (OpenClaw's `chat.send` shape) and the type each must have. */
const ATTACHMENT_FIELDS: Readonly<Record<string, 'string' | 'number'>> = {
  type: 'string',
  mimeType: 'string',
  fileName: 'string',
  content: 'string',
  sizeBytes: 'number',
  durationMs: 'number',
  width: 'number',
  height: 'number',
}

/**
 * Rebuilds attachments field by field, so that only OpenClaw's attachment fields, with their
 * types, go upstream — never a `__proto__`, `constructor` or nested object from a browser.
 * Answers the rebuilt list, or what was wrong.
 */
function checkAttachments(value: unknown): Params[] | string {
  if (!Array.isArray(value)) return 'attachments must be an array of objects'
  const out: Params[] = []
  for (const [i, item] of value.entries()) {
    if (!isRecord(item)) return `attachments[${i}] must be an object`
    const copy: Params = {}
    for (const key of Object.keys(item)) {
      if (!Object.hasOwn(ATTACHMENT_FIELDS, key)) {
        return `attachments[${i}]: unexpected property '${key.slice(0, 64)}' (allowed: ${Object.keys(ATTACHMENT_FIELDS).join(', ')})`
      }
      const want = ATTACHMENT_FIELDS[key]
      const field = item[key]
      if (field === undefined) continue
      if (want === 'number' ? typeof field !== 'number' || !Number.isFinite(field) : typeof field !== want) {
        return `attachments[${i}].${key} must be a ${want === 'string' && key === 'content' ? 'string (base64 for binary files)' : want}`
      }
      copy[key] = field
    }
    out.push(copy)
  }
  return out
}

const chatSend: Planner = (params, ctx) => {
  const method = 'chat.send'
  const extra = unexpected(method, params, ['message', 'sessionKey', 'idempotencyKey', 'attachments', 'thinking'])
  if (extra) return extra
  if (typeof params.message !== 'string')
    return fail(`invalid ${method} params: message must be a string (the text to send)`)
  const session = sessionKeyOf(method, params.sessionKey)
  if (!session.ok) return session.result
  let browserKey: string
  if (params.idempotencyKey === undefined) browserKey = ctx.newIdempotencyKey()
  else if (typeof params.idempotencyKey === 'string' && IDEMPOTENCY_KEY_PATTERN.test(params.idempotencyKey))
    browserKey = params.idempotencyKey
  else
    return fail(
      `invalid ${method} params: idempotencyKey must be 1 to 128 printable ASCII characters without spaces (a UUID is best), or left out`,
    )
  let attachments: Params[] | undefined
  if (params.attachments !== undefined) {
    const checked = checkAttachments(params.attachments)
    if (typeof checked === 'string') return fail(`invalid ${method} params: ${checked}`)
    attachments = checked
  }
  if (params.thinking !== undefined && typeof params.thinking !== 'string')
    return fail(`invalid ${method} params: thinking must be a string`)
  const upstream: Params = {
    sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key),
    message: params.message,
    idempotencyKey: upstreamRunId(ctx.namespace, ctx.userId, session.key, browserKey),
  }
  // Without it the gateway would run "/status", "/model x -g", "/restart" with the link's admin authority.
  if (mustSuppressCommands(ctx.commands ?? [], params.message)) upstream.suppressCommandInterpretation = true
  if (attachments !== undefined) upstream.attachments = attachments
  if (params.thinking !== undefined) upstream.thinking = params.thinking
  return singleCall(method, session.key, upstream, (payload) => {
    const status = isRecord(payload) && typeof payload.status === 'string' ? payload.status : 'started'
    // The browser's runId is the key it sent (or was given), whatever the gateway echoed.
    return { runId: browserKey, status }
  })
}

const chatHistory: Planner = (params, ctx) => {
  const method = 'chat.history'
  const extra = unexpected(method, params, ['sessionKey', 'limit', 'offset', 'maxChars'])
  if (extra) return extra
  const session = sessionKeyOf(method, params.sessionKey)
  if (!session.ok) return session.result
  // Bounded in messages, characters and bytes on every call: no answer can close the shared link.
  const request = historyRequest(params, readBounds(ctx.limits))
  if (!request.ok) return fail(`invalid ${method} params: ${request.problem}`)
  const upstream: Params = {
    ...request.upstream,
    sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key),
  }
  return singleCall(method, session.key, upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const messages: Params[] = []
    for (const raw of Array.isArray(source.messages) ? source.messages : []) {
      const message = sanitizeHistoryMessage(ctx, raw)
      if (!message) continue
      if (wasTruncated(raw)) message.truncated = true
      messages.push(message)
    }
    return { sessionKey: session.key, messages, ...historyPaging(source) }
  })
}

const chatAbort: Planner = (params, ctx) => {
  const method = 'chat.abort'
  const extra = unexpected(method, params, ['sessionKey', 'runId'])
  if (extra) return extra
  const session = sessionKeyOf(method, params.sessionKey)
  if (!session.ok) return session.result
  const upstream: Params = { sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key) }
  if (params.runId !== undefined) {
    if (typeof params.runId !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(params.runId)) {
      return fail(
        `invalid ${method} params: runId must be the idempotencyKey your chat.send used (1 to 128 printable ASCII characters), or left out to abort the session's active run`,
      )
    }
    // Always re-derived inside the caller's own namespace: a runId can only ever name the
    // caller's own run on the named session, never anybody else's.
    upstream.runId = upstreamRunId(ctx.namespace, ctx.userId, session.key, params.runId)
  }
  return singleCall(method, session.key, upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const runIds = Array.isArray(source.runIds)
      ? source.runIds
          .filter((id) => {
            const parsed = parseUpstreamRunId(ctx.namespace, id)
            return parsed === null || (parsed.userId === ctx.userId && parsed.sessionKey === session.key)
          })
          .map((id) => browserRunId(ctx, id))
          .filter((id): id is string => id !== undefined)
      : []
    return { ok: source.ok !== false, aborted: source.aborted === true, runIds }
  })
}

const sessionsList: Planner = (params, ctx) => {
  const method = 'sessions.list'
  const extra = unexpected(method, params, ['limit', 'offset', 'includeLastMessage', 'includeDerivedTitles'])
  if (extra) return extra
  // ONE upstream request, for the caller's own sessions only (the gateway's `search` on the key
  // prefix): the cost of a list is the caller's sessions, never everybody's.
  const request = sessionsListRequest(params, readBounds(ctx.limits), ctx.namespace, ctx.userId)
  if (!request.ok) return fail(`invalid ${method} params: ${request.problem}`)
  return singleCall(method, undefined, request.upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const sessions: Params[] = []
    for (const row of Array.isArray(source.sessions) ? source.sessions : []) {
      const mine = sanitizeSessionRow(ctx, row)
      if (!mine) continue
      const preview = previewOf(row)
      if (preview !== undefined) mine.lastMessagePreview = preview
      sessions.push(mine)
    }
    return { count: sessions.length, sessions, ...sessionsListPaging(source) }
  })
}

const sessionsReset: Planner = (params, ctx) => {
  const method = 'sessions.reset'
  const extra = unexpected(method, params, ['key', 'reason'])
  if (extra) return extra
  const session = sessionKeyOf(method, params.key)
  if (!session.ok) return session.result
  if (params.reason !== undefined && params.reason !== 'new' && params.reason !== 'reset') {
    return fail(`invalid ${method} params: reason must be "new" or "reset"`)
  }
  const upstream: Params = { key: gatewaySessionKey(ctx.namespace, ctx.userId, session.key) }
  if (params.reason !== undefined) upstream.reason = params.reason
  return singleCall(method, session.key, upstream, (payload) => ({
    ok: !isRecord(payload) || payload.ok !== false,
    key: session.key,
  }))
}

const modelsList: Planner = (params) => {
  const method = 'models.list'
  const extra = unexpected(method, params, [])
  if (extra) return extra
  return singleCall(method, undefined, {}, (payload) => {
    const models = isRecord(payload) && Array.isArray(payload.models) ? payload.models.filter(isRecord) : []
    return { models: models.map((m) => pick(m, ['id', 'name', 'provider', 'available'])) }
  })
}

const PLANNERS: Readonly<Record<string, Planner>> = {
  'chat.send': chatSend,
  'chat.history': chatHistory,
  'chat.abort': chatAbort,
  'sessions.list': sessionsList,
  'sessions.reset': sessionsReset,
  'models.list': modelsList,
}

/**
 * Checks the policy, then plans one browser request: `{ ok: false, error }` to answer at once, or a
 * plan to run upstream.
 *
 * @example
 * const r = planRequest(DEFAULT_METHOD_POLICY, 'chat.send', { message: 'Hello' }, ctx)
 * if (r.ok) reply(await r.plan.run((m, p) => link.request(m, p)))
 */
export function planRequest(policy: MethodPolicy, method: string, params: unknown, ctx: PlanContext): PlanResult {
  const denied = mayCall(policy, ctx.role, method)
  if (denied) return { ok: false, error: denied }
  const planner = Object.hasOwn(PLANNERS, method) ? PLANNERS[method] : undefined
  if (!planner) return { ok: false, error: forbidden(`Method "${method}" cannot be relayed.`) }
  if (params !== undefined && params !== null && !isRecord(params))
    return fail(`invalid ${method} params: params must be an object`)
  return planner(params ?? {}, ctx)
}
