import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { MODEL, OWNER_PROFILE_ID } from '../fixtures/gateway-identity.js'
import { MAIN_SESSION_KEY } from './session-keys.js'

/** A message as `chat.history` and `session.message` return it (plain JSON). */
export type StoredMessage = Record<string, unknown>

/** Who sent something: the upstream client id/mode, and whether it was a device-signed client. */
export interface SenderInfo {
  clientId: string
  clientMode: string
  /** A device-signed client with a user profile (not `backend`): history rows name it as the sender. */
  device: boolean
}

/** The state of a session's latest run, as rows show it in `status`. */
export type SessionRunStatus = 'running' | 'done' | 'killed' | 'failed'

/** One session: what the rows, history and events are built from. */
export interface SessionRecord {
  key: string
  sessionId: string
  createdAt: number
  updatedAt: number
  lastInteractionAt: number | undefined
  sessionStartedAt: number
  classification: 'main' | 'direct' | 'custom'
  /** Absent for sessions created by `sessions.reset` (MORE-BEHAVIOURS Q1). */
  chatType: 'direct' | undefined
  /** Token clients that wrote to the session, as `participants` rows. */
  participantClientIds: string[]
  /** Created by a device-signed client: rows carry `createdActor`/`owner` instead of participants. */
  createdByDevice: boolean
  messages: StoredMessage[]
  messageSeq: number
  rawSeq: number
  transcriptSource: string
  generation: string
  lifecycleRevision: string
  status: SessionRunStatus | undefined
  startedAt: number | undefined
  endedAt: number | undefined
  lastRunId: string | undefined
  activeRunIds: string[]
  abortedLastRun: boolean
  systemSent: boolean
  inputTokens: number | undefined
  outputTokens: number | undefined
  totalTokens: number
  contextBudgetUpdatedAt: number | undefined
  placementCreatedAt: number | undefined
  placementUpdatedAt: number | undefined
  lastMessagePreview: string | undefined
  /** A run is talking to the model right now (rows then show `activeModelProvider`/`activeModel`). */
  modelActive: boolean
  /** `sessions.patch` display state: unique label, and when it was pinned / archived. */
  label?: string
  pinnedAt?: number
  archivedAt?: number
}

function newTranscriptSource(): string {
  return createHash('sha256').update(randomBytes(16)).digest('base64url')
}

function userTransport(sender: SenderInfo): Record<string, unknown> {
  return { transport: { clients: [{ id: sender.clientId, mode: sender.clientMode }] } }
}

function deviceSender(): Record<string, unknown> {
  return { senderId: OWNER_PROFILE_ID, senderIdentity: { type: 'profile', id: OWNER_PROFILE_ID } }
}

/**
 * The gateway's sessions in memory: created on first use, kept across `restart()` (the real gateway
 * keeps them in sqlite). Keys here are always canonical.
 */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>()
  private responseCounter = 0

  get(key: string): SessionRecord | undefined {
    return this.sessions.get(key)
  }

  has(key: string): boolean {
    return this.sessions.has(key)
  }

  /** Every session, most recently updated first (the order `sessions.list` uses). */
  list(): SessionRecord[] {
    return [...this.sessions.values()].sort((a, b) => b.updatedAt - a.updatedAt)
  }

  /** Removes a session (`sessions.delete`); false when there was none. */
  delete(key: string): boolean {
    return this.sessions.delete(key)
  }

  get size(): number {
    return this.sessions.size
  }

  /** Creates the session if needed; `created` tells whether it is new. */
  ensure(
    key: string,
    how: { via: 'chat' | 'reset'; sender?: SenderInfo },
    now = Date.now(),
  ): { session: SessionRecord; created: boolean } {
    const existing = this.sessions.get(key)
    if (existing) return { session: existing, created: false }
    const session: SessionRecord = {
      key,
      sessionId: randomUUID(),
      createdAt: now,
      updatedAt: now,
      lastInteractionAt: how.via === 'chat' ? now : undefined,
      sessionStartedAt: now,
      classification: key === MAIN_SESSION_KEY ? 'main' : how.via === 'chat' ? 'direct' : 'custom',
      chatType: how.via === 'chat' ? 'direct' : undefined,
      participantClientIds: [],
      createdByDevice: how.sender?.device ?? false,
      messages: [],
      messageSeq: 0,
      rawSeq: 0,
      transcriptSource: newTranscriptSource(),
      generation: randomBytes(16).toString('hex'),
      lifecycleRevision: randomUUID(),
      status: undefined,
      startedAt: undefined,
      endedAt: undefined,
      lastRunId: undefined,
      activeRunIds: [],
      abortedLastRun: false,
      systemSent: false,
      inputTokens: undefined,
      outputTokens: undefined,
      totalTokens: 0,
      contextBudgetUpdatedAt: undefined,
      placementCreatedAt: undefined,
      placementUpdatedAt: undefined,
      lastMessagePreview: undefined,
      modelActive: false,
    }
    this.sessions.set(key, session)
    return { session, created: true }
  }

  /** Records who wrote to the session (token clients become `participants`). */
  noteSender(session: SessionRecord, sender: SenderInfo, now = Date.now()): void {
    if (!sender.device && !session.participantClientIds.includes(sender.clientId)) {
      session.participantClientIds.push(sender.clientId)
    }
    session.lastInteractionAt = now
    session.updatedAt = now
  }

  /**
   * Appends the user's message in the recorded shape (`idempotencyKey` = `<runId>:user`) — once per
   * key: a key sent again after the dedupe cache forgot it (a restart) runs again, but its message is
   * not stored twice (measured: e2e/real-gateway/shutdown-probe.test.ts, one user row, two replies).
   */
  appendUserMessage(
    session: SessionRecord,
    p: { text: string; runId: string; sender: SenderInfo; contextFree?: boolean },
    now = Date.now(),
  ): StoredMessage {
    const idempotencyKey = `${p.runId}:user`
    const stored = session.messages.find((m) => m.role === 'user' && m.idempotencyKey === idempotencyKey)
    if (stored) return stored
    const meta: Record<string, unknown> = {
      ...(p.sender.device ? deviceSender() : {}),
      ...userTransport(p.sender),
      // A text command's row is kept out of the model's context (recorded: text-commands.json).
      ...(p.contextFree ? { contextFreeCommand: true } : {}),
      id: randomUUID(),
      idempotencyKey,
      recordTimestampMs: now,
      transcriptPosition: { source: session.transcriptSource, rawSeq: ++session.rawSeq },
      seq: ++session.messageSeq,
    }
    if (p.sender.device) meta.senderProfileAvatarUrl = `/api/users/${OWNER_PROFILE_ID}/avatar?v=${session.createdAt}`
    const message: StoredMessage = {
      role: 'user',
      content: p.text,
      timestamp: now,
      idempotencyKey,
      ...(p.contextFree ? { excludeFromContext: true } : {}),
      __openclaw: meta,
    }
    session.messages.push(message)
    session.lastMessagePreview = p.text.slice(0, 120)
    session.updatedAt = now
    return message
  }

  /** Appends the assistant's reply in the recorded shape (`__openclaw.runId` = the runId). */
  appendAssistantMessage(
    session: SessionRecord,
    p: { text: string; runId: string; inputTokens: number; outputTokens: number },
    now = Date.now(),
  ): StoredMessage {
    this.responseCounter += 1
    const message: StoredMessage = {
      role: 'assistant',
      content: [{ type: 'text', text: p.text }],
      api: MODEL.api,
      provider: MODEL.provider,
      model: MODEL.id,
      usage: {
        input: p.inputTokens,
        output: p.outputTokens,
        totalTokens: p.inputTokens + p.outputTokens,
        cacheRead: 0,
        cacheWrite: 0,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      },
      stopReason: 'stop',
      timestamp: now,
      responseId: `chatcmpl-${MODEL.provider}-${this.responseCounter}`,
      __openclaw: {
        runId: p.runId,
        id: randomUUID(),
        recordTimestampMs: now,
        transcriptPosition: { source: session.transcriptSource, rawSeq: ++session.rawSeq },
        seq: ++session.messageSeq,
      },
    }
    session.messages.push(message)
    session.lastMessagePreview = p.text.slice(0, 120)
    session.updatedAt = now
    return message
  }

  /** Appends a text command's answer (`message` as `commandReplyMessage` builds it). */
  appendCommandReply(session: SessionRecord, message: Record<string, unknown>, now = Date.now()): StoredMessage {
    const stored: StoredMessage = {
      ...message,
      __openclaw: {
        ...(message.__openclaw as Record<string, unknown> | undefined),
        id: randomUUID(),
        idempotencyKey: message.idempotencyKey,
        recordTimestampMs: now,
        transcriptPosition: { source: session.transcriptSource, rawSeq: ++session.rawSeq },
        seq: ++session.messageSeq,
      },
    }
    session.messages.push(stored)
    session.updatedAt = now
    return stored
  }

  /**
   * `sessions.reset`: same `sessionId`, a new `lifecycleRevision`, counters back to 0 and a history
   * holding only the `Reset` system marker (MORE-BEHAVIOURS Q1).
   */
  reset(session: SessionRecord, now = Date.now()): void {
    session.lifecycleRevision = randomUUID()
    session.sessionStartedAt = now
    session.updatedAt = now
    session.messages = []
    session.messageSeq = 0
    session.inputTokens = 0
    session.outputTokens = 0
    session.totalTokens = 0
    session.systemSent = false
    session.abortedLastRun = false
    session.status = undefined
    session.startedAt = undefined
    session.endedAt = undefined
    session.lastRunId = undefined
    session.lastInteractionAt = undefined
    session.contextBudgetUpdatedAt = undefined
    session.placementCreatedAt = undefined
    session.placementUpdatedAt = undefined
    session.lastMessagePreview = undefined
    session.messages.push({
      role: 'system',
      content: [{ type: 'text', text: 'Reset' }],
      timestamp: now,
      __openclaw: {
        kind: 'reset',
        id: randomBytes(4).toString('hex'),
        transcriptPosition: { source: session.transcriptSource, rawSeq: ++session.rawSeq },
        seq: ++session.messageSeq,
      },
    })
  }
}
