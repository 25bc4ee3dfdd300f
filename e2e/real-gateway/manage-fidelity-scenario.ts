// The "manage chats" fidelity scenario (issue 20), run identically on the real gateway and the mock by
// mock-fidelity.test.ts: rename (and a taken label), pin, list, rewind (an unknown entry, then the user
// message), archive with a stale and a fresh expectedSessionId, rewind an archived session, delete
// with archivedOnly, delete again. Frames are recorded
// with `entry` cut to the fields ClawChat reads (the real entry has ~100 fields the mock does not model)
// and list rows to the manage fields (the row's full shape is compared by "sessions-list-row").
import { randomUUID } from 'node:crypto'
import type { FidelityScenario, FidelityTarget } from './fidelity-scenarios.js'
import { RawWs } from './raw-ws.js'
import type { TranscriptStep } from './transcript.js'

/** The session keys of the scenario (distinct from every other scenario's). */
export const MANAGE_KEYS = { chat: 'fidelity:manage-a', other: 'fidelity:manage-b' }

const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin']
const ENTRY_FIELDS = ['label', 'pinnedAt', 'archivedAt']
const ROW_FIELDS = ['key', 'label', 'pinned', 'pinnedAt', 'archived', 'archivedAt', 'hasActiveRun', 'activeRunIds']

const pick = (o: Record<string, unknown>, fields: string[]) =>
  Object.fromEntries(fields.filter((f) => Object.hasOwn(o, f)).map((f) => [f, o[f]]))

/** A response frame with `payload.entry` / `payload.sessions` cut to what the scenario compares. */
function trimmed(res: Record<string, any>): Record<string, any> {
  if (res.ok !== true || typeof res.payload !== 'object' || res.payload === null) return res
  const payload = { ...res.payload }
  if (payload.entry) payload.entry = pick(payload.entry, ENTRY_FIELDS)
  if (Array.isArray(payload.sessions)) payload.sessions = payload.sessions.map((r: any) => pick(r, ROW_FIELDS))
  if (Array.isArray(payload.archived)) payload.archived = payload.archived.map(() => '<transcript path>')
  return { ...res, payload: pick(payload, ['ok', 'key', 'entry', 'sessions', 'deleted', 'archived', 'editorText']) }
}

async function connectLink(target: FidelityTarget): Promise<RawWs> {
  const c = await RawWs.open(target.url)
  await c.waitFor((f) => f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const res = await c.request(
    'connect',
    {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
      role: 'operator',
      scopes: LINK_SCOPES,
      caps: ['tool-events'],
      auth: { token: target.token },
    },
    { timeoutMs: 20_000 },
  )
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  return c
}

/**
 * Rename, pin, list, rewind, archive and delete one chat, as ClawChat's proxy will.
 *
 * @example
 * const transcript = await MANAGE_SCENARIO.run({ name: 'mock', url: mock.url, token })
 */
export const MANAGE_SCENARIO: FidelityScenario = {
  name: 'manage-chats',
  async run(target) {
    const c = await connectLink(target)
    const steps: TranscriptStep[] = []
    const record = async (method: string, params: Record<string, unknown>) => {
      const res = await c.request(method, params, { timeoutMs: 30_000 })
      steps.push({ kind: 'frame', frame: trimmed(res) })
      return res
    }
    const key = MANAGE_KEYS.chat
    const runId = randomUUID()
    await c.request('chat.send', { sessionKey: key, message: 'manage me', idempotencyKey: runId })
    await c.waitFor(
      (f) => f.event === 'chat' && f.payload?.runId === runId && f.payload?.state === 'final',
      60_000,
      'the final',
    )
    const history = await c.request('chat.history', { sessionKey: key })
    const userRow = (history.payload?.messages ?? []).find((m: any) => m.role === 'user')
    await record('sessions.patch', { key, label: 'Fidelity label' })
    await record('sessions.patch', { key: MANAGE_KEYS.other, label: 'Fidelity label' })
    await record('sessions.patch', { key, pinned: true })
    await record('sessions.list', { search: key })
    await record('sessions.rewind', { sessionKey: key, entryId: 'no-such-entry' })
    await record('sessions.rewind', { sessionKey: key, entryId: String(userRow?.__openclaw?.id) })
    await record('sessions.patch', { key, archived: true })
    // A rewind gives the session a new sessionId: the one read before it is refused, a fresh one works.
    await record('sessions.patch', { key, archived: true, expectedSessionId: String(history.payload?.sessionId) })
    const fresh = await c.request('chat.history', { sessionKey: key, limit: 1 })
    await record('sessions.patch', { key, archived: true, expectedSessionId: String(fresh.payload?.sessionId) })
    await record('sessions.rewind', { sessionKey: key, entryId: 'no-such-entry' })
    await record('sessions.list', { search: key, archived: true })
    await record('sessions.delete', { key, archivedOnly: true, deleteTranscript: true })
    await record('sessions.delete', { key, archivedOnly: true })
    await c.close()
    return { scenario: 'manage-chats', steps }
  },
}
