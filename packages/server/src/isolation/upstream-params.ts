/**
 * What goes upstream fits the gateway's own schema: every request a planner built is checked with
 * the TypeBox validators `@openclaw/gateway-protocol` ships, before it is sent. A value the browser
 * sent through unchanged (`message`, `thinking`, `reason`, `includeLastMessage`, …) that does not
 * fit is the browser's mistake and is refused in the words of `@clawchat/protocol`'s param schema;
 * anything else that does not fit would be the proxy's own mistake, refused without being sent.
 *
 * Server only: TypeBox never reaches the browser bundle.
 */
import { describeParam, type MethodName } from '@clawchat/protocol'
import {
  formatValidationErrors,
  validateApprovalGetParams,
  validateApprovalResolveParams,
  validateChatAbortParams,
  validateChatHistoryParams,
  validateChatSendParams,
  validateExecApprovalGetParams,
  validateExecApprovalResolveParams,
  validateModelsListParams,
  validateQuestionListParams,
  validateQuestionResolveParams,
  validateSessionsDeleteParams,
  validateSessionsListParams,
  validateSessionsPatchParams,
  validateSessionsResetParams,
  validateSessionsRewindParams,
  type ValidationError,
} from '@openclaw/gateway-protocol'

/** A validator as `@openclaw/gateway-protocol` ships them: a check that leaves its `errors` behind. */
type GatewayValidator = ((data: unknown) => boolean) & { errors: ValidationError[] | null }

/** `exec.approval.list` takes no params (the package ships no validator for it): an empty object. */
const validateEmptyParams: GatewayValidator = Object.assign(
  (data: unknown) => typeof data === 'object' && data !== null && Object.keys(data).length === 0,
  { errors: null },
)

const VALIDATORS: Readonly<Record<MethodName, GatewayValidator>> = {
  'chat.send': validateChatSendParams,
  'chat.history': validateChatHistoryParams,
  'chat.abort': validateChatAbortParams,
  'sessions.list': validateSessionsListParams,
  'sessions.reset': validateSessionsResetParams,
  'sessions.patch': validateSessionsPatchParams,
  'sessions.delete': validateSessionsDeleteParams,
  'sessions.rewind': validateSessionsRewindParams,
  'models.list': validateModelsListParams,
  'exec.approval.list': validateEmptyParams,
  'exec.approval.get': validateExecApprovalGetParams,
  'exec.approval.resolve': validateExecApprovalResolveParams,
  'approval.get': validateApprovalGetParams,
  'approval.resolve': validateApprovalResolveParams,
  'question.list': validateQuestionListParams,
  'question.resolve': validateQuestionResolveParams,
  // Answered by the proxy itself, never sent upstream (isolation/planners/clawchat-runs.ts).
  'clawchat.runs': validateEmptyParams,
}

/**
 * Fields the proxy sends that the schema of `@openclaw/gateway-protocol` 2026.9.1 does not list yet:
 * `chat.history`'s `maxBytes`, which the gateway takes since 2026.9.x (measured on 2026.9.6 by
 * e2e/real-gateway/probes/history-and-list.probe.ts). The proxy sets them itself, always in range.
 */
const NEWER_THAN_SCHEMA: Readonly<Partial<Record<MethodName, readonly string[]>>> = {
  'chat.history': ['maxBytes'],
}

/**
 * The fields planners send upstream exactly as the browser sent them, unchecked: a misfit there is
 * the browser's mistake. (Every other field the proxy makes or checks itself.)
 */
const AS_SENT: Readonly<Partial<Record<MethodName, readonly string[]>>> = {
  'chat.send': ['message', 'thinking'],
  'sessions.list': ['includeLastMessage', 'includeDerivedTitles', 'archived'],
  'sessions.reset': ['reason'],
}

/** The top-level field an error is about (`/message/0` → `message`; a missing one by name). */
function fieldOf(error: ValidationError): string | undefined {
  const path = error.instancePath ?? ''
  if (path.length > 1) return path.slice(1).split('/')[0]
  const missing = error.params?.requiredProperties ?? error.params?.missingProperty
  if (Array.isArray(missing)) return typeof missing[0] === 'string' ? missing[0] : undefined
  return typeof missing === 'string' ? missing : undefined
}

/** The params as the schema of this package version knows them. */
function schemaView(method: MethodName, upstream: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const newer = NEWER_THAN_SCHEMA[method]
  if (!newer) return { ...upstream }
  return Object.fromEntries(Object.entries(upstream).filter(([key]) => !newer.includes(key)))
}

/**
 * What is wrong with `upstream` as the gateway's params of `method`, said for the browser, or
 * undefined when it fits.
 *
 * @example
 * upstreamParamsProblem('sessions.reset', { key: 'agent:main:…', reason: 'later' })
 * // 'reason must be "new" or "reset"'
 */
export function upstreamParamsProblem(
  method: MethodName,
  upstream: Readonly<Record<string, unknown>>,
): string | undefined {
  const validate = VALIDATORS[method]
  if (validate(schemaView(method, upstream))) return undefined
  const errors = validate.errors ?? []
  for (const error of errors) {
    const field = fieldOf(error)
    const said = field !== undefined && AS_SENT[method]?.includes(field) ? describeParam(method, field) : undefined
    if (said !== undefined) return said
  }
  return `the request does not fit the gateway's schema (${formatValidationErrors(errors)})`
}
