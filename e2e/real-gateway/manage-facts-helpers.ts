// Small helpers for manage-facts.test.ts: raw-client sends and compact views of what the gateway
// answered (history rows, sessions.changed events), so the recorded facts stay readable.
import { randomUUID } from 'node:crypto'
import type { RawWs } from './raw-ws.js'

/** ClawChat's link scopes and caps. */
export const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin']
export const LINK_CAPS = ['tool-events', 'exec-approvals', 'plugin-approvals']

type Frame = Record<string, any>

/** A fake-model marker asking for an `exec` tool call (waits for an approval under exec `ask`). */
export const execMarker = (command: string): string =>
  `[[TOOL:exec]] [[ARGS:${JSON.stringify({ command, title: 'probe' })}]]`

/** Sends a chat message; resolves with its run id (the idempotency key) once acknowledged. */
export async function send(ws: RawWs, sessionKey: string, message: string): Promise<string> {
  const runId = randomUUID()
  const res = await ws.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  if (res.ok !== true) throw new Error(`chat.send refused: ${JSON.stringify(res.error)}`)
  return runId
}

/** Sends a request and throws with the gateway's error unless it succeeded. */
export async function ok(ws: RawWs, method: string, params: unknown): Promise<Frame> {
  const res = await ws.request(method, params)
  if (res.ok !== true) throw new Error(`${method} refused: ${JSON.stringify(res.error)}`)
  return res.payload as Frame
}

/** Matches the terminal `chat` event of a run. */
export const finalOf =
  (runId: string) =>
  (f: Frame): boolean =>
    f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state)

/** The `__openclaw.id` of every history row of one role, in order. */
export function entryIds(history: Frame | undefined, role: string): string[] {
  return ((history?.messages ?? []) as Frame[])
    .filter((m) => m.role === role)
    .map((m) => String(m.__openclaw?.id ?? ''))
}

const textOf = (m: Frame): string =>
  typeof m.content === 'string'
    ? m.content
    : ((m.content ?? []) as Frame[]).map((p) => (p.type === 'text' ? String(p.text) : `<${p.type}>`)).join('')

/** A compact view of a chat.history answer: run state fields and each row's role, ids and text. */
export function historyView(history: Frame | undefined): Frame {
  if (!history) return { missing: true }
  const info = (history.sessionInfo ?? {}) as Frame
  return {
    topLevelKeys: Object.keys(history),
    top: { hasActiveRun: history.hasActiveRun, activeRunIds: history.activeRunIds, inFlightRun: history.inFlightRun },
    sessionInfo: {
      hasActiveRun: info.hasActiveRun,
      activeRunIds: info.activeRunIds,
      status: info.status,
      activeLeafEntryId: info.activeLeafEntryId,
      label: info.label,
      pinned: info.pinned,
      archived: info.archived,
    },
    rows: ((history.messages ?? []) as Frame[]).map((m) => ({
      role: m.role,
      openclaw: m.__openclaw,
      idempotencyKey: m.idempotencyKey,
      text: textOf(m).slice(0, 160),
    })),
  }
}

/** The `sessions.changed` event payloads `ws` received after frame index `from`. */
export function sessionsChangedSince(ws: RawWs, from: number): Frame[] {
  return ws.frames
    .slice(from)
    .filter((f) => f.event === 'sessions.changed')
    .map((f) => f.payload as Frame)
}

/** The session's `sessionId` (what `archived` patches need as `expectedSessionId`), from chat.history. */
export async function sessionIdOf(ws: RawWs, sessionKey: string): Promise<string> {
  const history = await ok(ws, 'chat.history', { sessionKey, limit: 1 })
  return String(history.sessionId)
}
