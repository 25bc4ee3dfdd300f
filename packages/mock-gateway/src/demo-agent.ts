import type { MockAgent } from './agent.js'

/**
 * Splits text into chunks of a few words, each keeping its leading space like model deltas do.
 *
 * @example
 * chunkWords('Hello from the mock', 2) // ['Hello from', ' the mock']
 */
export function chunkWords(text: string, wordsPerChunk = 2): string[] {
  const tokens = text.match(/\s*\S+/g) ?? []
  const chunks: string[] = []
  for (let i = 0; i < tokens.length; i += wordsPerChunk) chunks.push(tokens.slice(i, i + wordsPerChunk).join(''))
  return chunks
}

function excerpt(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim()
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine
}

/**
 * The demo agent's full reply to a message (deterministic: the same message, the same reply).
 *
 * @example
 * expect(finalEvent.payload.message.content[0].text).toBe(demoReply('Hello'))
 */
export function demoReply(message: string): string {
  const words = message.trim() === '' ? 0 : message.trim().split(/\s+/).length
  return [
    `**Hello from the mock gateway.** You wrote: "${excerpt(message)}".`,
    '',
    'This reply is streamed in small chunks, the way a real model answers, so you can watch it arrive.',
    'It is deterministic: the same message always gets the same answer.',
    '',
    `- words in your message: ${words}`,
    `- characters: ${message.length}`,
  ].join('\n')
}

/**
 * The default agent: a few sentences of markdown about the message, in chunks of two words.
 *
 * @example
 * const gw = await startMockGateway({ token: 't', agent: demoAgent })
 */
export const demoAgent: MockAgent = (message) => chunkWords(demoReply(message))

/**
 * An agent that answers `ECHO<<message>>` in one chunk, like the fake model of the reference
 * transcripts did: handy when a test wants to see its own text come back.
 *
 * @example
 * const gw = await startMockGateway({ token: 't', agent: echoAgent })
 */
export const echoAgent: MockAgent = (message) => [`ECHO<<${message}>>`]
