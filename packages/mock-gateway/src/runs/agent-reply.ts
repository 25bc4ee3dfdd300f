import type { MockAgentReply, MockToolCall } from '../agent.js'

/** The words of a text: the mock's token count for usage figures. */
export function countWords(text: string): number {
  const t = text.trim()
  return t === '' ? 0 : t.split(/\s+/).length
}

/** An agent's reply being read: text chunks and tool calls. */
export type ReplyIterator = AsyncIterator<string | MockToolCall> | Iterator<string | MockToolCall>

/** Iterates an agent's reply, sync or async; anything else is the agent's mistake. */
export function replyIterator(reply: MockAgentReply): ReplyIterator {
  if (reply && typeof (reply as AsyncIterable<string>)[Symbol.asyncIterator] === 'function') {
    return (reply as AsyncIterable<string | MockToolCall>)[Symbol.asyncIterator]()
  }
  if (reply && typeof (reply as Iterable<string>)[Symbol.iterator] === 'function') {
    return (reply as Iterable<string | MockToolCall>)[Symbol.iterator]()
  }
  throw new TypeError('the agent must return an iterable or async iterable of text chunks and tool calls')
}
