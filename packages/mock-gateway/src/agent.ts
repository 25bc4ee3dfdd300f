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
}

/**
 * The text chunks of a reply, in order. Empty strings are skipped.
 *
 * @example
 * const reply: MockAgentReply = ['Hello', ' world']
 */
export type MockAgentReply = AsyncIterable<string> | Iterable<string>

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
