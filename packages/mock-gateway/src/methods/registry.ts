import { agentsList } from './agents-list.js'
import { chatAbort } from './chat-abort.js'
import { chatHistory } from './chat-history.js'
import { chatSend } from './chat-send.js'
import { health } from './health.js'
import type { MethodDefinition } from './method-types.js'
import { modelsList } from './models-list.js'
import { sessionsList } from './sessions-list.js'
import { sessionsMessagesSubscribe, sessionsMessagesUnsubscribe } from './sessions-messages-subscribe.js'
import { sessionsCreate } from './sessions-create-patch.js'
import { sessionsDelete } from './sessions-delete.js'
import { sessionsPatch } from './sessions-patch.js'
import { sessionsRewind } from './sessions-rewind.js'
import { sessionsReset } from './sessions-reset.js'
import { sessionsSubscribe } from './sessions-subscribe.js'
import { status } from './status.js'
import {
  approvalGet,
  approvalResolve,
  execApprovalGet,
  execApprovalList,
  execApprovalResolve,
} from './exec-approval.js'
import { questionList, questionResolve } from './questions.js'
import { gatewaySuspendPrepare, gatewaySuspendResume, gatewaySuspendStatus } from './gateway-suspend.js'

/** Every method the mock implements, by name. Anything else is an unknown method. */
export const METHODS: ReadonlyMap<string, MethodDefinition> = new Map(
  [
    health,
    status,
    chatSend,
    chatAbort,
    chatHistory,
    sessionsList,
    sessionsReset,
    sessionsCreate,
    sessionsPatch,
    sessionsDelete,
    sessionsRewind,
    sessionsSubscribe,
    sessionsMessagesSubscribe,
    sessionsMessagesUnsubscribe,
    modelsList,
    agentsList,
    execApprovalList,
    execApprovalGet,
    execApprovalResolve,
    approvalGet,
    approvalResolve,
    questionList,
    questionResolve,
    gatewaySuspendPrepare,
    gatewaySuspendStatus,
    gatewaySuspendResume,
  ].map((m) => [m.name, m]),
)
