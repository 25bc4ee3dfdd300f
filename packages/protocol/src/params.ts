/**
 * The parameter schemas of the browser methods: the closed list of fields each method may carry,
 * with their types. The gateway's own schemas accept fields a browser must never set (`deliver`,
 * `originatingChannel`, `agentId`, `sessionId`, `suppressCommandInterpretation`, …); the proxy
 * refuses every field not listed here before anything else, and the SDK can check the same list.
 */
import type { MethodName, MethodParams } from './methods.js'

/** The JSON type of a browser param. */
export type ParamType = 'string' | 'integer' | 'boolean' | 'array' | 'object'

/** One param a browser method may carry. */
export interface ParamSpec {
  type: ParamType
  /** The only values it may take, when there are a few. */
  values?: readonly string[]
  /** What the value means, said after its type when it is wrong: `message must be a string (the text to send)`. */
  about?: string
}

/** The schema of one method's params: every field of its params type, and no other. */
export type ParamsSchema<P> = { readonly [K in keyof Required<P>]: ParamSpec }

/**
 * Each browser method's fields, in the order error messages list them. Typed against
 * {@link MethodParams}: a field added to a params type must be added here (and the other way round).
 *
 * @example
 * Object.keys(BROWSER_PARAMS['chat.abort']) // ['sessionKey', 'runId']
 */
export const BROWSER_PARAMS: { readonly [M in MethodName]: ParamsSchema<MethodParams<M>> } = {
  'chat.send': {
    message: { type: 'string', about: 'the text to send' },
    sessionKey: { type: 'string' },
    idempotencyKey: { type: 'string' },
    attachments: { type: 'array' },
    thinking: { type: 'string' },
  },
  'chat.history': {
    sessionKey: { type: 'string' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    maxChars: { type: 'integer' },
  },
  'chat.abort': { sessionKey: { type: 'string' }, runId: { type: 'string' } },
  'sessions.list': {
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    includeLastMessage: { type: 'boolean' },
    includeDerivedTitles: { type: 'boolean' },
    archived: { type: 'boolean', about: "or 'all': archived sessions only, or all of them" },
  },
  'sessions.reset': { key: { type: 'string' }, reason: { type: 'string', values: ['new', 'reset'] } },
  'sessions.patch': {
    key: { type: 'string', about: 'the session key' },
    label: { type: 'string', about: '1–100 characters, or null to clear it' },
    pinned: { type: 'boolean' },
    archived: { type: 'boolean' },
  },
  'sessions.delete': { key: { type: 'string', about: 'the session key' } },
  'sessions.rewind': {
    sessionKey: { type: 'string', about: 'the session key' },
    entryId: { type: 'string', about: "the id of one of the session's user messages, from chat.history" },
  },
  'models.list': {},
  'clawchat.runs': {},
  'exec.approval.list': {},
  'exec.approval.get': { id: { type: 'string', about: 'the approval id' } },
  'exec.approval.resolve': {
    id: { type: 'string', about: 'the approval id' },
    decision: { type: 'string', values: ['allow-once', 'allow-always', 'deny'] },
  },
  'approval.get': { id: { type: 'string', about: 'the approval id' } },
  'approval.resolve': {
    id: { type: 'string', about: 'the approval id' },
    kind: { type: 'string', values: ['exec', 'plugin'] },
    decision: { type: 'string', values: ['allow-once', 'allow-always', 'deny'] },
  },
  'question.list': {},
  'question.resolve': {
    id: { type: 'string', about: 'the question id' },
    answers: { type: 'object', about: '{ answers: { <questionId>: [<label>, …] } }' },
    cancel: { type: 'boolean' },
  },
}

/** The spec of `method`'s field `name`, if it has one (own properties only: no `__proto__`). */
export function paramSpec(method: MethodName, name: string): ParamSpec | undefined {
  const schema: Readonly<Record<string, ParamSpec>> = BROWSER_PARAMS[method]
  return Object.hasOwn(schema, name) ? schema[name] : undefined
}

/**
 * The first field of `params` that `method` does not take, said as an error, or undefined.
 *
 * @example
 * unexpectedParam('chat.abort', { runId: 'r', agentId: 'main' })
 * // "unexpected property 'agentId' (allowed: sessionKey, runId)"
 */
export function unexpectedParam(method: MethodName, params: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of Object.keys(params)) {
    if (paramSpec(method, key) === undefined) {
      const allowed = Object.keys(BROWSER_PARAMS[method]).join(', ')
      return `unexpected property '${key.slice(0, 64)}' (allowed: ${allowed})`
    }
  }
  return undefined
}

const ARTICLES: Record<ParamType, string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
}

/**
 * What a valid value of `method`'s field `name` is, said as the error for a wrong one.
 *
 * @example
 * describeParam('chat.send', 'message')    // 'message must be a string (the text to send)'
 * describeParam('sessions.reset', 'reason') // 'reason must be "new" or "reset"'
 */
export function describeParam(method: MethodName, name: string): string | undefined {
  const spec = paramSpec(method, name)
  if (!spec) return undefined
  if (spec.values) return `${name} must be ${spec.values.map((v) => JSON.stringify(v)).join(' or ')}`
  return `${name} must be ${ARTICLES[spec.type]}${spec.about ? ` (${spec.about})` : ''}`
}
