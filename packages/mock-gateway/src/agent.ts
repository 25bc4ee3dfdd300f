/**
 * What a {@link MockAgent} is told besides the user's message.
 *
 * @example
 * const agent: MockAgent = (message, { sessionKey, signal }) => [`${sessionKey}: ${message}`]
 */
export interface MockAgentContext {
  /** The canonical session key (`agent:main:…`). */
  sessionKey: string
  /** The run id (= the `chat.send` idempotencyKey). */
  runId: string
  /** Aborted when the run is aborted (`chat.abort`) or the gateway goes down. */
  signal: AbortSignal
  /**
   * The results of the run's tool calls so far, in order, as the model would see them (filled in as
   * each call ends). A yielded call runs when the agent's next text chunk is read, so an agent that
   * answers from a result yields a chunk first (`' '` will do), then reads it here.
   */
  toolResults?: readonly MockToolResult[]
}

/** A finished tool call of the run, as {@link MockAgentContext.toolResults} lists it. */
export interface MockToolResult {
  tool: string
  /** The result's text (the `toolResult` row's content): a command's output, a denial, the user's answers. */
  text: string
  isError: boolean
}

/**
 * A tool call a {@link MockAgent} makes: the run calls the mock's fake tool, with the real gateway's
 * events, approvals and questions, then goes on with the agent's next chunk. The tools are fakes
 * (nothing is ever run): `read` returns a fixed text; `exec` answers `echo x` with `x` and anything
 * else with `mock: <command>` (and asks for approval first when the gateway runs with
 * `exec: { mode: 'ask' }`); `tool_call` with `{ id: 'ask_user', args: { questions, timeoutSeconds } }`
 * asks the user a question; any other tool fails with an error result.
 *
 * @example
 * const agent: MockAgent = function* () {
 *   yield 'Let me check. '
 *   yield { tool: 'exec', args: { command: 'echo hi', title: 'say hi' } }
 *   yield 'Done.'
 * }
 */
export interface MockToolCall {
  /** The tool's name, as the model calls it: `read`, `exec`, `tool_call`, … */
  tool: string
  /** The call's arguments (JSON), e.g. `{ command: 'echo hi' }` for `exec`, `{ path }` for `read`. */
  args?: Record<string, unknown>
}

/**
 * The parts of a reply, in order: text chunks (empty strings are skipped) and tool calls.
 *
 * @example
 * const reply: MockAgentReply = ['Hello', ' world']
 * const withTool: MockAgentReply = [{ tool: 'read', args: { path: 'notes.txt' } }, 'Read it.']
 */
export type MockAgentReply = AsyncIterable<string | MockToolCall> | Iterable<string | MockToolCall>

/**
 * Produces the assistant's reply to one `chat.send`: a function from the user's message to text
 * chunks. Each chunk becomes one `agent` `assistant` event and one `chat` `delta`. Throwing (or the
 * iterable throwing) fails the run like a model error.
 *
 * @example
 * const shout: MockAgent = async function* (message) {
 *   for (const word of message.split(' ')) yield word.toUpperCase() + ' '
 * }
 */
export type MockAgent = (message: string, context: MockAgentContext) => MockAgentReply | Promise<MockAgentReply>
