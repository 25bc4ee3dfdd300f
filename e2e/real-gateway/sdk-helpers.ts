// Small helpers for the SDK suites: collect a stream, wait for an event, read history texts, scan
// for a secret in every form it could leak in.
import type { ClawChat, StreamPart } from '@clawchat/client'

/**
 * Reads a whole `chat.stream()`; resolves with its parts, or rejects with the stream's error (and
 * the parts so far on `error.parts`).
 *
 * @example
 * const parts = await collectStream(chat.stream('hello'))
 */
export async function collectStream(
  stream: AsyncIterable<StreamPart>,
  onPart?: (p: StreamPart) => void,
): Promise<StreamPart[]> {
  const parts: StreamPart[] = []
  try {
    for await (const p of stream) {
      parts.push(p)
      onPart?.(p)
    }
  } catch (err) {
    if (err && typeof err === 'object') (err as { parts?: StreamPart[] }).parts = parts
    throw err
  }
  return parts
}

/**
 * Resolves with the first event `name` whose payload matches, from now on.
 *
 * @example
 * await nextEvent(chat, 'chat', (p) => p.state === 'aborted', 15_000)
 */
export function nextEvent<T = any>(
  chat: ClawChat,
  name: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no "${name}" event matching within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = chat.on(name, (payload: unknown) => {
      if (!match(payload as T)) return
      clearTimeout(timer)
      off()
      resolve(payload as T)
    })
  })
}

/** The text of a history message (a string content, or its text parts joined). */
export function messageText(m: { content?: unknown }): string {
  if (typeof m.content === 'string') return m.content
  if (!Array.isArray(m.content)) return ''
  return m.content.map((p: { type?: string; text?: string }) => (p?.type === 'text' ? (p.text ?? '') : '')).join('')
}

/**
 * A session's history as `role: text` lines, in order.
 *
 * @example
 * expect(await historyLines(chat, 'main')).toEqual(['user: hi', 'assistant: ECHO<<hi>>'])
 */
export async function historyLines(chat: ClawChat, sessionKey: string): Promise<string[]> {
  const h = await chat.history({ sessionKey })
  return h.messages.map((m) => `${m.role}: ${messageText(m)}`)
}

/**
 * The forms a secret could leak in: as is, base64, base64url, URI-encoded, JSON-escaped.
 *
 * @example
 * for (const form of secretForms(token)) expect(text).not.toContain(form)
 */
export function secretForms(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8')
  return [
    ...new Set([
      secret,
      b.toString('base64'),
      b.toString('base64url'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ]
}

/**
 * Where in `texts` a secret occurs (in any of its forms): `[]` when nowhere. Never returns the
 * secret itself, only where it was found.
 *
 * @example
 * expect(findSecret(record.frames, token)).toEqual([])
 */
export function findSecret(texts: readonly string[], secret: string): string[] {
  const forms = secretForms(secret)
  const out: string[] = []
  texts.forEach((t, i) => {
    forms.forEach((f, k) => {
      if (t.includes(f)) out.push(`item ${i} (form ${k}, ${t.length} chars)`)
    })
  })
  return out
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
