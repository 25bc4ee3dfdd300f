/**
 * `chat.history`: one bounded page of one of the caller's own sessions, its messages whitelisted
 * and their run ids rewritten to the caller's own names (a gateway recovery run's rows under the
 * run they finish, `history-runs.ts`), each with its transcript entry `id`; its tool rows
 * (`toolCall` parts, `toolResult` rows) and its `activity` (the page's tool calls, per message)
 * whitelisted too; and the session's run in progress (`hasActiveRun`, `activeRunIds`,
 * `inFlightRun`), in the caller's run ids.
 */
import { historyPaging, historyRequest, readBounds, wasTruncated } from '../bounded-reads.js'
import { activeRunFields, attributeRecoveryRuns, upstreamRunOfRow, type RecoveryAttribution } from '../history-runs.js'
import {
  invalidParams,
  sessionKeyOf,
  singleCall,
  type Params,
  type PlanContext,
  type Planner,
} from '../request-plan.js'
import { isRecord } from '../../common/records.js'
import { rewriteIdentifiers, sanitizeHistoryMessage } from '../sanitize.js'
import { historyActivity } from '../sanitize-tool.js'
import { gatewaySessionKey } from '../session-keys.js'

const METHOD = 'chat.history'

/** The gateway's messages as the caller may see them (truncated ones marked, recovery rows attributed). */
function visibleMessages(ctx: PlanContext, rows: readonly unknown[], attribution: RecoveryAttribution): Params[] {
  const messages: Params[] = []
  for (const raw of rows) {
    const message = sanitizeHistoryMessage(ctx, raw)
    if (!message) continue
    if (wasTruncated(raw)) message.truncated = true
    if (message.runId === undefined && message.role === 'assistant') {
      const upstream = upstreamRunOfRow(raw)
      const finishes = upstream === undefined ? undefined : attribution.runs.get(upstream)
      if (finishes !== undefined) message.runId = finishes
    }
    messages.push(message)
  }
  return messages
}

/**
 * Plans a `chat.history`, bounded in messages, characters and bytes on every call: no answer can
 * close the shared link.
 *
 * @example
 * planChatHistory({ limit: 50 }, ctx) // upstream: { limit: 50, maxChars: 8000, maxBytes: 1048576, sessionKey }
 */
export const planChatHistory: Planner = (params, ctx) => {
  const session = sessionKeyOf(METHOD, params.sessionKey)
  if (!session.ok) return session.result
  const request = historyRequest(params, readBounds(ctx.limits))
  if (!request.ok) return invalidParams(METHOD, request.problem)
  const upstream: Params = {
    ...request.upstream,
    sessionKey: gatewaySessionKey(ctx.namespace, ctx.userId, session.key),
  }
  const maxChars = Number(upstream.maxChars)
  return singleCall(METHOD, session.key, upstream, (payload) => {
    const source = isRecord(payload) ? payload : {}
    const rows = Array.isArray(source.messages) ? source.messages : []
    const attribution = attributeRecoveryRuns(ctx, rows)
    const messages = visibleMessages(ctx, rows, attribution)
    // At most one entry per message of the page: the answer stays within the page's bounds.
    const pageIds = new Set(messages.map((m) => m.id).filter((id) => id !== undefined))
    const rewrite = (text: string) => rewriteIdentifiers(ctx, text)
    const activity = historyActivity(source.activity, messages.length, rewrite, pageIds)
    return {
      sessionKey: session.key,
      messages,
      ...(activity ? { activity } : {}),
      ...historyPaging(source),
      ...activeRunFields(ctx, session.key, source, attribution, maxChars),
    }
  })
}
