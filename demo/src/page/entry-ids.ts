import { messageText, type ClawChat } from '@clawchat/client'

/**
 * The gateway's id of a message of the user on screen (what `chat.edit` takes): from the history the
 * column was drawn from (`data-entry-id`), else — a message sent since — from the history now,
 * counting the user's messages from the end. Rejects when the history does not hold that message.
 *
 * @example
 * const id = await entryIdOf(chat, 'main', row)
 * for await (const part of chat.edit(id, 'new words', { sessionKey: 'main' })) show(part.text)
 */
export async function entryIdOf(chat: ClawChat, sessionKey: string, row: HTMLElement): Promise<string> {
  if (row.dataset.entryId) return row.dataset.entryId
  const rows = [...(row.parentElement?.querySelectorAll('.msg-user') ?? [])]
  const fromEnd = rows.length - 1 - rows.indexOf(row)
  const text = row.querySelector('.bubble')?.textContent ?? ''
  const { messages = [] } = await chat.history({ sessionKey, limit: 200 })
  const users = messages.filter((m) => m.role === 'user')
  const match = users[users.length - 1 - fromEnd]
  if (!match?.id || messageText(match.content) !== text)
    throw new Error('this message is not in the chat’s history (yet); reload the page and try again')
  row.dataset.entryId = match.id
  return match.id
}
