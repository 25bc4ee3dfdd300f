import { validateChatSendParams } from '@openclaw/gateway-protocol'
import { ChatRun } from '../runs/chat-run.js'
import { CHAT_REQUEST_CONFLICT_MESSAGE } from '../runs/chat-runs.js'
import { invalidRequest, mutationTargetRequired } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import { hasUserProfile } from '../connection/connection.js'
import { requireCanonicalSessionKey } from '../sessions/session-keys.js'
import { assertExpectedPermissionMode, sessionExecMode } from '../sessions/session-permissions.js'
import type { SenderInfo } from '../sessions/session-store.js'
import {
  CONTEXT_FREE_COMMANDS,
  commandFinal,
  commandReplyMessage,
  leadingTextCommand,
  textCommandReply,
} from '../runs/text-commands.js'
import { checkParams, isRecord, type MethodDefinition } from './method-types.js'
import { newPendingId } from '../runs/tool-turns.js'
import type { GatewayCore } from '../gateway/gateway-core.js'

/**
 * When a run of this session waits for an approval or a question, a new message (not a text command)
 * is queued and steered into it; its own run id only gets a bare `final` (TOOLS-AND-APPROVALS, t2
 * phase 3). True when it was.
 */
function steeredIntoWaitingRun(
  core: GatewayCore,
  key: string,
  p: { message: string; idempotencyKey: string; suppressCommandInterpretation?: boolean },
  sender: SenderInfo,
): boolean {
  const waiting = core.runs.activeInSession(key).find((r) => r.state === 'running' && r.tools.isWaiting)
  if (!waiting) return false
  if (p.suppressCommandInterpretation !== true && leadingTextCommand(p.message) !== null) return false
  core.runs.remember(p.idempotencyKey, p.message, 'in_flight')
  const acceptedAt = Date.now()
  waiting.tools.steer({ runId: p.idempotencyKey, message: p.message, sender, acceptedAt, pendingId: newPendingId() })
  return true
}

/**
 * `chat.send {sessionKey, message, idempotencyKey}` (all required, strict): acks
 * `{runId: idempotencyKey, status: "started"}` and then streams the run to every operator
 * connection. Idempotency is global per key (`in_flight`, `ok`, `chat-request-conflict`, and the
 * other session's cached run), errors as recorded (SESSIONS-AND-BROADCAST Q1, Q4, Q6).
 */
export const chatSend: MethodDefinition = {
  name: 'chat.send',
  scope: Scopes.WRITE,
  handle({ core, conn }, params) {
    if (!isRecord(params) || params.sessionKey === undefined) throw mutationTargetRequired('chat.send')
    const p = checkParams('chat.send', validateChatSendParams, params)
    const key = requireCanonicalSessionKey(p.sessionKey)
    if (p.message.trim() === '' && !(Array.isArray(p.attachments) && p.attachments.length > 0)) {
      throw invalidRequest('message or attachment required')
    }
    assertExpectedPermissionMode(core.store, key, p.expectedPermissionMode)
    const admission = core.runs.admit(p.idempotencyKey, p.message)
    if (admission.kind === 'conflict')
      throw invalidRequest(CHAT_REQUEST_CONFLICT_MESSAGE, { reason: 'chat-request-conflict' })
    if (admission.kind !== 'new') return { payload: { runId: admission.runId, status: admission.kind } }

    const identity = conn.identity
    const sender: SenderInfo = {
      clientId: identity?.clientId ?? 'unknown',
      clientMode: identity?.clientMode ?? 'unknown',
      device: hasUserProfile(identity),
    }
    const { session, created } = core.store.ensure(key, { via: 'chat', sender })
    core.store.noteSender(session, sender)
    if (steeredIntoWaitingRun(core, key, p, sender)) {
      return { payload: { runId: p.idempotencyKey, status: 'started' } }
    }
    const command = p.suppressCommandInterpretation === true ? null : leadingTextCommand(p.message)
    const userMessage = core.store.appendUserMessage(session, {
      text: p.message,
      runId: p.idempotencyKey,
      sender,
      contextFree: command !== null && CONTEXT_FREE_COMMANDS.includes(command),
    })
    if (command !== null) {
      // The gateway's command handler answers: one `final`, no model call (text-commands.ts).
      const runId = p.idempotencyKey
      return {
        payload: { runId, status: 'started' },
        afterResponse: () => {
          core.runs.remember(runId, p.message)
          const reply = commandReplyMessage(
            command,
            textCommandReply(command, { sessionKey: key, clientId: sender.clientId }),
            runId,
            Date.now(),
          )
          core.store.appendCommandReply(session, reply)
          core.broadcastChat(commandFinal(runId, key, reply))
        },
      }
    }
    const run = new ChatRun(core, session, {
      runId: p.idempotencyKey,
      message: p.message,
      userMessage,
      ownerId: conn.ownerId,
      connectionId: conn.id,
      ...(identity?.deviceId !== undefined ? { deviceId: identity.deviceId } : {}),
      settings: {
        agent: core.settings.agent,
        failure: core.settings.failure,
        chunkDelayMs: core.settings.chunkDelayMs,
        phaseDelayMs: core.settings.phaseDelayMs,
        execMode: sessionExecMode(core.store, key, core.settings.execMode),
      },
    })
    core.runs.register(run, p.message)
    core.log(`run ${run.runId} started on ${key}`)
    return {
      payload: { runId: p.idempotencyKey, status: 'started' },
      afterResponse: () => {
        if (!core.metadataAnnounced) {
          core.metadataAnnounced = true
          core.broadcastEvent('chat.metadata.changed', {}, 'readers')
        }
        if (!created) core.emitSessionsChanged(session, { reason: 'send' })
        core.emitSessionsChanged(session, { reason: 'participants' })
        run.start()
      },
    }
  },
}
