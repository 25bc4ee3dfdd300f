import { GATEWAY_VERSION, MODEL } from '../fixtures/gateway-identity.js'

/*
 * Gateway text commands in `chat.send`, as recorded on openclaw@2026.9.6 on 2026-12-03
 * (test/fixtures/recorded/text-commands.json): a message whose first word is a command (`/status`,
 * `/whoami`, `/model`, …) and that does not carry `suppressCommandInterpretation: true` is answered
 * by the gateway's command handler — no model call, no status or delta events, one `chat` `final`
 * (payload `seq` 1, no `agentId`) whose message says `provider:"openclaw"`,
 * `model:"gateway-injected"`. With the flag, the text is an ordinary model turn. The texts below are
 * the mock's own (its facts, the recorded layout); only `/status`, `/whoami` and `/model` were
 * recorded, the other names are the gateway's documented commands.
 */

/** The commands the mock's command handler answers. */
export const TEXT_COMMANDS: readonly string[] = [
  'status',
  'whoami',
  'model',
  'models',
  'restart',
  'approve',
  'exec',
  'elevated',
  'think',
  'help',
  'commands',
]

/**
 * Commands kept out of the model's context: their rows carry `excludeFromContext` (recorded:
 * `/status` does, `/whoami` and `/model` do not).
 */
export const CONTEXT_FREE_COMMANDS: readonly string[] = ['status']

/** The command a message starts with (its first word, lower-cased, without `/`), or `null`. */
export function leadingTextCommand(message: string): string | null {
  const match = /^\s*\/([a-z][a-z0-9_-]*)(?=\s|$)/i.exec(message)
  const name = match?.[1]?.toLowerCase()
  return name !== undefined && TEXT_COMMANDS.includes(name) ? name : null
}

/** What the command handler answers, for the facts the mock has. */
export function textCommandReply(name: string, facts: { sessionKey: string; clientId: string }): string {
  switch (name) {
    case 'status':
      return [
        `🦞 OpenClaw ${GATEWAY_VERSION} (mock)`,
        `🧠 Model: ${MODEL.provider}/${MODEL.id}`,
        `🧵 Session: ${facts.sessionKey}`,
        '⚙️ Execution: direct',
      ].join('\n\n')
    case 'whoami':
      return `🧭 Identity\nChannel: webchat\nUser id: ${facts.clientId}\nAllowFrom: ${facts.clientId}`
    case 'model':
      return [
        `Current: ${MODEL.provider}/${MODEL.id}`,
        'Session: /model <provider/model> -s',
        'Global default: /model <provider/model> -g',
      ].join('\n')
    default:
      return `⚙️ /${name} was run by the gateway's command handler (the mock only acknowledges it).`
  }
}

/** The fields a command's reply message carries besides its text (recorded, in order). */
export function commandReplyMessage(name: string, text: string, runId: string, now: number): Record<string, unknown> {
  const contextFree = CONTEXT_FREE_COMMANDS.includes(name)
    ? { excludeFromContext: true, __openclaw: { contextFreeCommand: true } }
    : {}
  return {
    role: 'assistant',
    content: [{ type: 'text', text }],
    timestamp: now,
    stopReason: 'stop',
    usage: {
      input: 0,
      output: 0,
      totalTokens: 0,
      cacheRead: 0,
      cacheWrite: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    api: 'openai-responses',
    provider: 'openclaw',
    model: 'gateway-injected',
    idempotencyKey: runId,
    ...contextFree,
  }
}

/** The one `chat` event of a command run: `final`, payload `seq` 1, no `agentId` (recorded). */
export function commandFinal(
  runId: string,
  sessionKey: string,
  message: Record<string, unknown>,
): Record<string, unknown> {
  return { runId, sessionKey, seq: 1, state: 'final', message }
}
