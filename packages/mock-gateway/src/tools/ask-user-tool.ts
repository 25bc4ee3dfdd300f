import { errorResult, textResult, type ToolResult } from './fake-tools.js'
import { RUN_SILENCED, ToolEvents, untilStopped, type ToolOutcome, type ToolRunContext } from './tool-context.js'
import { itemData, toolResultData, toolStartData, type ToolCallInfo } from './tool-payloads.js'
import type { QuestionOutcome } from '../questions/question-registry.js'

/** `ask_user`'s entry in the Tool Search catalog, as `tool_call` results describe it (t3, verbatim). */
const ASK_USER_TOOL = {
  id: 'openclaw:core:ask_user',
  source: 'openclaw',
  sourceName: 'core',
  name: 'ask_user',
  label: 'Ask User',
  description:
    'Ask the human user 1-3 structured questions and wait for their answer; `multiSelect` allows picking several ' +
    'options and `timeoutSeconds` bounds the wait. Use only when blocked on a decision genuinely theirs that ' +
    'cannot be resolved from the request, code, or sensible defaults; never ask whether to proceed or confirm a ' +
    'plan. Ask exactly one question per call unless several answers must be submitted together; one ' +
    'single-select question uses native controls on supported messaging channels. Put every selectable choice ' +
    'in `options`, never only in the question text. Put the recommended option first and suffix its label with ' +
    '` (Recommended)`. Use `multiSelect` only when the user may choose several options at once; otherwise omit ' +
    'it. Do not include an Other option; free text is added automatically. If the result is no_answer, continue ' +
    'with best judgment.',
  input:
    '{ questions: Array<{ header: string; id: string; options: Array<{ label: unknown; description?: unknown }>; ' +
    'question: string; multiSelect?: boolean }>; timeoutSeconds?: number /* integer */ }',
}

/** `timeoutSeconds` bounds and default (TOOLS-AND-APPROVALS "Policy, timing, timeouts"). */
export const QUESTION_TIMEOUT = { min: 30, max: 3600, default: 900 } as const

type AskArgs = { questions: Array<Record<string, unknown>>; timeoutSeconds: number }

/** Checks `ask_user`'s arguments; a sentence when they are wrong. */
function parseAskArgs(args: unknown): AskArgs | string {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>
  const qs = a.questions
  if (!Array.isArray(qs) || qs.length < 1 || qs.length > 3) return 'questions must be an array of 1 to 3 questions'
  const questions: Array<Record<string, unknown>> = []
  for (const q of qs as Array<Record<string, unknown>>) {
    if (typeof q?.id !== 'string' || typeof q.question !== 'string' || !Array.isArray(q.options)) {
      return 'each question needs an id, a question and options'
    }
    questions.push({
      questionId: q.id,
      header: typeof q.header === 'string' ? q.header : q.id,
      question: q.question,
      options: q.options,
      ...(q.multiSelect === true ? { multiSelect: true } : {}),
      isOther: true,
    })
  }
  const t = a.timeoutSeconds ?? QUESTION_TIMEOUT.default
  if (typeof t !== 'number' || !Number.isInteger(t) || t < QUESTION_TIMEOUT.min || t > QUESTION_TIMEOUT.max) {
    return `timeoutSeconds must be an integer from ${QUESTION_TIMEOUT.min} to ${QUESTION_TIMEOUT.max}`
  }
  return { questions, timeoutSeconds: t }
}

/** `ask_user`'s result (t3): a line per answer (or the no-answer sentence), then the JSON. */
function askResult(outcome: QuestionOutcome, questions: Array<Record<string, unknown>>): ToolResult {
  const json = JSON.stringify(outcome, null, 2)
  if (outcome.status === 'answered') {
    const lines = questions.map(
      (q) => `${String(q.header)}: ${(outcome.answers.answers[String(q.questionId)] ?? []).join(', ')}`,
    )
    return textResult(`${lines.join('\n')}\n\n${json}`, { ...outcome })
  }
  if (outcome.status === 'no_answer')
    return textResult(`No answer arrived; proceed with best judgment.\n\n${json}`, { ...outcome })
  return textResult(`The user cancelled the question.\n\n${json}`, { ...outcome })
}

/** The nested `ask_user` call of a `tool_call`: asks, waits, answers (t3). */
async function runAskUser(ctx: ToolRunContext, parentId: string, args: unknown): Promise<ToolResult> {
  const ask = parseAskArgs(args)
  const first = typeof ask === 'string' ? undefined : String(ask.questions[0]?.question ?? '')
  const call: ToolCallInfo = {
    toolCallId: `tool_search_code:${parentId}:ask_user:1`,
    name: 'ask_user',
    title: first === undefined ? 'Ask User' : `Ask User ${first}`,
    ...(first === undefined ? {} : { meta: first }),
    commandBearing: false,
    parentToolCallId: parentId,
  }
  const ev = new ToolEvents(ctx, call)
  const startedAt = Date.now()
  ev.item(itemData(call, 'start', { startedAt }))
  ev.tool(toolStartData(call, args))
  if (typeof ask === 'string') {
    const result = errorResult('ask_user', ask)
    ev.tool(toolResultData(call, result, true))
    ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), failed: true, error: ask }))
    return result
  }
  let settle: (o: QuestionOutcome) => void = () => {}
  const answered = new Promise<QuestionOutcome>((resolve) => (settle = resolve))
  const record = ctx.host.questions.ask({ sessionKey: ctx.ref.sessionKey, runId: ctx.ref.runId, ...ask }, settle)
  ctx.setWaiting(true)
  let outcome: QuestionOutcome
  try {
    outcome = await untilStopped(answered, ctx.signal)
  } catch (err) {
    if (ctx.signal.reason !== RUN_SILENCED) ctx.host.questions.cancel(record.id)
    throw err
  } finally {
    ctx.setWaiting(false)
  }
  const result = askResult(outcome, ask.questions)
  ev.tool(toolResultData(call, result, false))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now() }))
  return Object.assign(result, { questionId: record.id })
}

/** `tool_call {id, args}` (the Tool Search catalog's door): `ask_user` asks; other ids fail. */
export async function runToolCall(
  ctx: ToolRunContext,
  toolCallId: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  const call: ToolCallInfo = { toolCallId, name: 'tool_call', title: 'Tool Call', commandBearing: false }
  const ev = new ToolEvents(ctx, call)
  const startedAt = Date.now()
  ev.item(itemData(call, 'start', { startedAt }))
  ev.tool(toolStartData(call, args))
  let result: ToolResult
  let inner: (ToolResult & { questionId?: string }) | undefined
  if (args.id === 'ask_user') {
    inner = await runAskUser(ctx, toolCallId, args.args)
    const innerResult = { content: inner.content, details: inner.details }
    const text = JSON.stringify(
      { tool: { id: ASK_USER_TOOL.id, name: 'ask_user', source: 'openclaw' }, result: innerResult },
      null,
      2,
    )
    result = textResult(text, { tool: ASK_USER_TOOL, result: innerResult })
  } else {
    result = errorResult('tool_call', `unknown tool id: ${JSON.stringify(args.id ?? null)}`)
  }
  const isError = inner === undefined || inner.details.status === 'error'
  ev.tool(toolResultData(call, result, isError))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), ...(isError ? { failed: true } : {}) }))
  if (inner?.questionId) ctx.host.questions.announce(inner.questionId)
  const text = result.content[0]?.text ?? ''
  return { name: 'tool_call', text, isError, succeeded: isError ? [] : ['ask_user', 'tool_call'] }
}
