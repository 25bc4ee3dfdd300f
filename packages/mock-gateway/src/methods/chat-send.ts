import { validateChatSendParams } from '@openclaw/gateway-protocol'
import { ChatRun } from '../runs/chat-run.js'
import { CHAT_REQUEST_CONFLICT_MESSAGE } from '../runs/chat-runs.js'
import { invalidRequest, mutationTargetRequired } from '../gateway/errors.js'
import { Scopes } from '../connection/scopes.js'
import { requireCanonicalSessionKey } from '../sessions/session-keys.js'
import type { SenderInfo } from '../sessions/session-store.js'
import {
  CONTEXT_FREE_COMMANDS,
  commandFinal,
  commandReplyMessage,
  leadingTextCommand,
  textCommandReply,
} from '../runs/text-commands.js'
import { checkParams, isRecord, type MethodDefinition } from './method-types.js'

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
    const admission = core.runs.admit(p.idempotencyKey, p.message)
    if (admission.kind === 'conflict')
      throw invalidRequest(CHAT_REQUEST_CONFLICT_MESSAGE, { reason: 'chat-request-conflict' })
    if (admission.kind !== 'new') return { payload: { runId: admission.runId, status: admission.kind } }

    const identity = conn.identity
    const sender: SenderInfo = {
      clientId: identity?.clientId ?? 'unknown',
      clientMode: identity?.clientMode ?? 'unknown',
      device: identity?.deviceId !== undefined,
    }
    const { session, created } = core.store.ensure(key, { via: 'chat', sender })
    core.store.noteSender(session, sender)
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
      settings: {
        agent: core.settings.agent,
        failure: core.settings.failure,
        chunkDelayMs: core.settings.chunkDelayMs,
        phaseDelayMs: core.settings.phaseDelayMs,
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
