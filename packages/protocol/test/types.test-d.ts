import { describe, expectTypeOf, it } from 'vitest'
import type {
  ChatAbortResult,
  ChatHistoryResult,
  ChatSendParams,
  ChatSendResult,
  ClawChatSessionPayload,
  ClientFrame,
  MethodName,
  MethodParams,
  MethodResult,
  ServerFrame,
} from '../src/index.js'
import type { BROWSER_PARAMS } from '../src/index.js'

describe('typed method map', () => {
  it('maps each method to its params and result', () => {
    expectTypeOf<MethodParams<'chat.send'>>().toEqualTypeOf<ChatSendParams>()
    expectTypeOf<MethodResult<'chat.send'>>().toEqualTypeOf<ChatSendResult>()
    expectTypeOf<MethodResult<'chat.history'>>().toEqualTypeOf<ChatHistoryResult>()
    expectTypeOf<MethodResult<'chat.abort'>>().toEqualTypeOf<ChatAbortResult>()
    expectTypeOf<MethodName>().toEqualTypeOf<
      | 'chat.send'
      | 'chat.history'
      | 'chat.abort'
      | 'sessions.list'
      | 'sessions.reset'
      | 'sessions.patch'
      | 'sessions.delete'
      | 'sessions.rewind'
      | 'models.list'
      | 'clawchat.runs'
      | 'exec.approval.list'
      | 'exec.approval.get'
      | 'exec.approval.resolve'
      | 'approval.get'
      | 'approval.resolve'
      | 'question.list'
      | 'question.resolve'
    >()
  })

  it('chat.send needs only a message', () => {
    expectTypeOf<{ message: string }>().toMatchTypeOf<ChatSendParams>()
    expectTypeOf<{ sessionKey: string }>().not.toMatchTypeOf<ChatSendParams>()
  })

  it('frames are discriminated by type', () => {
    expectTypeOf<ClientFrame['type']>().toEqualTypeOf<'req' | 'cancel'>()
    expectTypeOf<ServerFrame['type']>().toEqualTypeOf<'res' | 'event'>()
  })

  it('the session payload names the user and their role', () => {
    expectTypeOf<ClawChatSessionPayload['user']['role']>().toEqualTypeOf<'user' | 'admin'>()
  })
})

describe('BROWSER_PARAMS follows the params types', () => {
  it('has exactly the fields of each params interface', () => {
    expectTypeOf<keyof (typeof BROWSER_PARAMS)['chat.send']>().toEqualTypeOf<keyof ChatSendParams>()
    expectTypeOf<keyof (typeof BROWSER_PARAMS)['sessions.reset']>().toEqualTypeOf<'key' | 'reason'>()
  })
})
