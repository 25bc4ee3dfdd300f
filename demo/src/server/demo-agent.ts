/**
 * The demo's assistant on the mock gateway: a few canned markdown answers, streamed a couple of
 * words at a time so the page has something to render while it arrives, and tool calls on the
 * triggers of demo-tools.ts ("run date", "read notes.txt", "ask me"). No model is involved.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { MockAgentContext, MockToolCall } from '@clawchat/mock-gateway'
import { toolPlanFor } from './demo-tools.js'

const SHOWCASE = `Here is what replies can look like. Everything is **markdown**, rendered with *marked* and \
sanitised with DOMPurify before it reaches the page.

### A list
- Streaming, word by word
- \`inline code\` and [links](https://www.npmjs.com/package/openclaw)
- Tables and code blocks

### A table
| Mode | Token lives in | For |
|---|---|---|
| proxy | your server | everyone |
| direct | the browser | yourself |

### Some code
\`\`\`ts
import { ClawChat } from '@clawchat/client'
const chat = new ClawChat()
for await (const part of chat.stream('Hello')) render(part.text)
\`\`\`

> The gateway token never reaches the browser in proxy mode.`

const POEM = `**Open Socket**

A handshake at the edge of night,
one upgrade, and the line holds tight;
frames like fireflies cross the wire —
*ping*, then *pong*, then words, then fire.

When the link goes dark and cold,
the queue keeps every word you told;
reconnect, resend, and none is lost —
exactly once, whatever the cost.`

const PROXY = `A **reverse proxy** sits in front of a service and forwards requests to it, so that clients only ever \
talk to the proxy.

1. It can **authenticate** each request with your app's own login.
2. It keeps **secrets** (like a gateway token) on the server.
3. It can **filter** what each user sees and enforce limits.

ClawChat's \`clawchatProxy\` is exactly that, for an OpenClaw gateway.`

function replyFor(message: string): string {
  const m = message.toLowerCase()
  if (m.includes('markdown')) return SHOWCASE
  if (m.includes('poem') || m.includes('haiku')) return POEM
  if (m.includes('proxy')) return PROXY
  const oneLine = message.replace(/\s+/g, ' ').trim()
  const quoted = oneLine.length > 80 ? `${oneLine.slice(0, 77)}…` : oneLine
  return `You said: “${quoted}”.

I am the **mock gateway's** demo assistant, so I don't really think — but everything around me is real: your message \
went through \`clawchatProxy\`, which checked your session, mapped your chat to a gateway session only you can see, \
and is now streaming this reply back to you.

Try asking for *markdown*, a *poem*, or what a *proxy* is. I can use tools too: type *run date*, \
*read notes.txt* or *ask me*.`
}

/** Splits text into chunks of a couple of words, keeping whitespace (newlines included). */
export function chunk(text: string, words = 2): string[] {
  const tokens = text.match(/\s*\S+/g) ?? []
  const out: string[] = []
  for (let i = 0; i < tokens.length; i += words) out.push(tokens.slice(i, i + words).join(''))
  return out
}

/**
 * The agent function for `startMockGateway({ agent })` (the mock spaces the chunks by `chunkDelayMs`).
 * A tool step is yielded as a `MockToolCall`; the mock runs it when it reads the next chunk (a space
 * here), and the answer is written from its result (`context.toolResults`).
 */
export async function* demoAgent(
  message: string,
  context: MockAgentContext,
): AsyncGenerator<string | MockToolCall, void, unknown> {
  // A moment of "thinking"; a Stop during it ends the reply before its first word.
  await delay(400, undefined, { signal: context.signal }).catch(() => undefined)
  const plan = toolPlanFor(message, (answer) => replyFor(answer))
  let text = replyFor(message)
  if (plan) {
    yield plan.call
    yield ' '
    if (context.signal.aborted) return
    text = plan.reply(context.toolResults?.at(-1)?.text ?? '')
  }
  for (const piece of chunk(text)) {
    if (context.signal.aborted) return
    yield piece
  }
}
