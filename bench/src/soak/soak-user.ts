/**
 * One soak user: its own `ClawChat` (the built `@clawchat/client`, in Node with `ws` and the login
 * cookie), sending its messages one after another and recording what comes back — which sends were
 * acknowledged, which failed, every `final` event it received, and its history at the end.
 */
import { ClawChat, type ChatEvent, type ChatMessage, type WebSocketConstructor } from '@clawchat/client'
import WebSocket from 'ws'
import { sleep } from '../drivers/pool.js'

/** A `ws` class that sends the login cookie with the upgrade. */
function cookieSocket(cookie: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Cookie: cookie } })
    }
  }
}

function textOf(message: unknown): string {
  const content = (message as { content?: unknown } | undefined)?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((p) =>
      p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'
        ? (p as { text: string }).text
        : '',
    )
    .join('')
}

/** What one user saw. */
export class SoakUser {
  readonly chat: ClawChat
  /** runId → message, for every send the SDK resolved. */
  readonly acked = new Map<string, string>()
  /** Sends the SDK rejected, by error code. */
  readonly failed: Array<{ message: string; code: string }> = []
  /** runId → the texts of every `final` this user's client received for it. */
  readonly finals = new Map<string, string[]>()
  /** runIds whose run ended in `error` or `aborted`. */
  readonly runErrors = new Map<string, string>()
  /** The last time anything of this user changed (a send settled, a final arrived). */
  lastProgress = Date.now()
  /** Times the socket was lost and reconnected, and `resync` events by reason. */
  reconnects = 0
  readonly resyncs: Record<string, number> = {}

  constructor(
    readonly id: string,
    url: string,
    cookie: string,
  ) {
    this.chat = new ClawChat({
      url,
      WebSocket: cookieSocket(cookie),
      fetch: (input, init) => fetch(input, { ...init, headers: { cookie } }),
      requestTimeoutMs: 60_000,
    })
    this.chat.on('state', (s) => {
      if (s.state === 'reconnecting') this.reconnects += 1
    })
    this.chat.on('resync', (r) => {
      this.resyncs[r.reason] = (this.resyncs[r.reason] ?? 0) + 1
    })
    this.chat.on('chat', (e: ChatEvent) => {
      if (!e.runId) return
      if (e.state === 'final') {
        this.finals.set(e.runId, [...(this.finals.get(e.runId) ?? []), textOf(e.message)])
        this.lastProgress = Date.now()
      } else if (e.state === 'error' || e.state === 'aborted') {
        this.runErrors.set(e.runId, e.state)
        this.lastProgress = Date.now()
      }
    })
  }

  /** The text of message `m` (unique across users and runs of the soak). */
  message(m: number, tag: string): string {
    return `soak ${tag} ${this.id} #${m}`
  }

  /** Sends `count` messages one after another, pausing `pace()` ms after each acknowledgement. */
  async sendAll(count: number, tag: string, pace: () => number, onAck: () => void): Promise<void> {
    for (let m = 0; m < count; m++) {
      const message = this.message(m, tag)
      try {
        const { runId } = await this.chat.send(message)
        this.acked.set(runId, message)
        onAck()
      } catch (error) {
        this.failed.push({ message, code: (error as { code?: string }).code ?? String(error) })
      }
      this.lastProgress = Date.now()
      await sleep(pace())
    }
  }

  /** Acknowledged runs without a `final` (nor an error) so far. */
  unanswered(): string[] {
    return [...this.acked.keys()].filter((runId) => !this.finals.has(runId) && !this.runErrors.has(runId))
  }

  /** The session's history (the soak's messages fit in one page). */
  async history(): Promise<ChatMessage[]> {
    return (await this.chat.history({ limit: 200 })).messages
  }

  /** The user-row and reply texts of a history. */
  static rows(history: ChatMessage[]): { user: string[]; assistant: string[] } {
    return {
      user: history.filter((m) => m.role === 'user').map(textOf),
      assistant: history.filter((m) => m.role === 'assistant').map(textOf),
    }
  }
}
