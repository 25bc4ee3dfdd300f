/**
 * The demo agent's tools: messages a newcomer can type that make the mock's agent call a tool —
 * "run <command>" (exec, which waits for the user's approval), "read <file>" (read) and "ask me" (a
 * question with options). The mock fakes every tool: no command ever runs.
 */
import type { MockToolCall } from '@clawchat/mock-gateway'

/** A message's tool call, and the agent's reply once it has the result. */
export interface ToolPlan {
  call: MockToolCall
  /** The text after the call, from the call's result text (`''` when the mock gave none back). */
  reply(result: string): string
}

/** The question "ask me" asks, and what each answer gets. */
export const ASK_ME = {
  questionId: 'topic',
  header: 'Topic',
  question: 'What would you like to see?',
  options: ['A poem', 'Some markdown', 'The proxy'],
} as const

const RUN = /^\s*(?:please\s+)?run\s+(.+)$/is
const READ = /^\s*(?:please\s+)?read\s+(\S+)/i
const ASK = /\bask\s+me\b/i

/**
 * The tool a message asks for, if any. `topicReply(answer)` is what "ask me" says about the option chosen.
 *
 * @example
 * toolPlanFor('run date')?.call // { tool: 'exec', args: { command: 'date' } }
 * toolPlanFor('hello') // undefined
 */
export function toolPlanFor(message: string, topicReply: (answer: string) => string = () => ''): ToolPlan | undefined {
  const run = RUN.exec(message)
  if (run) return runPlan(run[1]!.trim().slice(0, 2000))
  const read = READ.exec(message)
  if (read) return readPlan(read[1]!)
  if (ASK.test(message)) return askPlan(topicReply)
  return undefined
}

function runPlan(command: string): ToolPlan {
  return {
    call: { tool: 'exec', args: { command } },
    reply: (result) => {
      if (/^exec denied/i.test(result.trim())) return `The command \`${command}\` was **denied**, so it did not run.`
      const printed =
        result.trim() === '' ? 'It printed nothing.' : `It printed:\n\n\`\`\`text\n${result.trimEnd()}\n\`\`\``
      return `I ran \`${command}\`. ${printed}\n\n(This is the mock gateway: it only pretends to run commands.)`
    },
  }
}

function readPlan(path: string): ToolPlan {
  return {
    call: { tool: 'read', args: { path } },
    reply: (result) =>
      `I read \`${path}\`${result.trim() ? ` (${result.trimEnd().split('\n').length} lines)` : ''}. ` +
      'Open the card above to see what it holds. ' +
      '(The mock gateway reads no real files: every file holds the same text.)',
  }
}

function askPlan(topicReply: (answer: string) => string): ToolPlan {
  const questions = [
    {
      id: ASK_ME.questionId,
      header: ASK_ME.header,
      question: ASK_ME.question,
      options: ASK_ME.options.map((label) => ({ label })),
    },
  ]
  return {
    call: { tool: 'tool_call', args: { id: 'ask_user', args: { questions, timeoutSeconds: 300 } } },
    reply: (result) => {
      const answer = answerIn(result)
      return answer
        ? `You chose **${answer}**.\n\n${topicReply(answer)}`.trim()
        : 'You did not answer, so I will not guess.'
    },
  }
}

/**
 * The answer in an `ask_user` result: its JSON carries the answers (`"answers":{"answers":{"topic":
 * ["A poem"]}}`, inside `tool_call`'s own JSON envelope on the gateway); a plain text result starts
 * `<header>: <answer>`.
 */
export function answerIn(result: string): string | undefined {
  const json = /\{[\s\S]*\}/.exec(result)?.[0]
  if (json) {
    try {
      const found = findAnswer(JSON.parse(json))
      if (found) return found
    } catch {
      // not JSON: read the first line below
    }
  }
  const line = new RegExp(`^${ASK_ME.header}:\\s*(.+)$`, 'm').exec(result)
  return line?.[1]?.trim()
}

/** Looks for `answers.answers.topic` anywhere in a parsed result. */
function findAnswer(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 8) return undefined
  const values = (value as { answers?: { answers?: Record<string, unknown> } }).answers?.answers?.[ASK_ME.questionId]
  if (Array.isArray(values) && values.length > 0) return values.map(String).join(', ')
  for (const child of Object.values(value)) {
    const found = findAnswer(child, depth + 1)
    if (found) return found
  }
  return undefined
}
