/**
 * What the soak's gateway answers: a reply that names the message, so a reply delivered to the
 * wrong user, or twice, is seen by its text alone.
 */

/** The whole reply to `message`. */
export function soakReply(message: string): string {
  return `Reply to <${message}>: one two three four five six.`
}

/** {@link soakReply} in four chunks (the mock pauses `chunkDelayMs` between them). */
export function soakReplyChunks(message: string): string[] {
  const reply = soakReply(message)
  const words = reply.split(' ')
  const size = Math.ceil(words.length / 4)
  const chunks: string[] = []
  for (let i = 0; i < words.length; i += size)
    chunks.push(words.slice(i, i + size).join(' ') + (i + size < words.length ? ' ' : ''))
  return chunks
}
