/**
 * The text of a chat message's `content`, as a page shows it: a string as it is, or the `text` of each
 * part of a content array joined (parts without text, such as images, add nothing). Anything else is `''`.
 * History messages (`chat.history`) and the `message` of a final `chat` event carry either shape.
 *
 * @example
 * import { messageText } from '@clawchat/client'
 * messageText('Hi') // 'Hi'
 * messageText([{ type: 'text', text: 'Hi, ' }, { type: 'image' }, { type: 'text', text: 'you' }]) // 'Hi, you'
 * const { messages } = await chat.request('chat.history', { sessionKey: 'main' })
 * for (const m of messages) console.log(m.role, messageText(m.content))
 */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (isTextPart(part) ? part.text : '')).join('')
}

function isTextPart(part: unknown): part is { text: string } {
  return !!part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
}
