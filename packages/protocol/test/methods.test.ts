import { GATEWAY_CLIENT_IDS, GATEWAY_CLIENT_MODES } from '@openclaw/gateway-protocol/client-info'
import { validateRequestFrame } from '@openclaw/gateway-protocol'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_METHODS,
  AGENT_DATA_FIELDS,
  AGENT_EVENT_FIELDS,
  BROWSER_CLIENT,
  BROWSER_EVENTS,
  CHAT_EVENT_FIELDS,
  HISTORY_MESSAGE_FIELDS,
  METHOD_NAMES,
  PROTOCOL_VERSION,
  SESSION_ROW_FIELDS,
  USER_METHODS,
  type RequestFrame,
} from '../src/index.js'
import { PROTOCOL_VERSION as OPENCLAW_PROTOCOL_VERSION } from '@openclaw/gateway-protocol'

describe('method map and defaults', () => {
  it("ordinary users may call chat, their own sessions and their own runs' approvals and questions, nothing else", () => {
    expect([...USER_METHODS]).toEqual([
      'chat.send',
      'chat.history',
      'chat.abort',
      'sessions.list',
      'sessions.reset',
      'sessions.patch',
      'sessions.delete',
      'sessions.rewind',
      'exec.approval.list',
      'exec.approval.get',
      'exec.approval.resolve',
      'approval.get',
      'approval.resolve',
      'question.list',
      'question.resolve',
    ])
  })

  it('admins get the user methods plus models.list by default', () => {
    expect([...ADMIN_METHODS]).toEqual([...USER_METHODS, 'models.list'])
    expect(METHOD_NAMES).toEqual([...ADMIN_METHODS, 'clawchat.runs'])
  })

  it('the browser events include ClawChat’s own two', () => {
    expect(BROWSER_EVENTS).toContain('clawchat.session')
    expect(BROWSER_EVENTS).toContain('clawchat.gateway')
    expect(BROWSER_EVENTS).toContain('chat')
  })
})

describe('field whitelists hide the identifiers a multi-user proxy must not leak', () => {
  const hidden = [
    'sessionId',
    'lastRunId',
    'activeRunIds',
    'participants',
    'owner',
    'createdActor',
    'path',
    'lastMessagePreview',
    'contextBudgetStatus',
    'deltaCursor',
  ]
  it.each(hidden)('sessions.list rows never carry %s', (field) => {
    expect(SESSION_ROW_FIELDS as readonly string[]).not.toContain(field)
  })
  it('history messages carry no OpenClaw metadata, sender ids or idempotency keys', () => {
    for (const f of ['__openclaw', 'idempotencyKey', 'senderId', 'senderIdentity', 'transport', 'responseId']) {
      expect(HISTORY_MESSAGE_FIELDS as readonly string[]).not.toContain(f)
    }
  })
  it('agent event data carries no upstream run, session or turn id', () => {
    for (const fields of Object.values(AGENT_DATA_FIELDS)) {
      for (const f of ['terminalReceipt', 'runId', 'sessionId', 'turnId', 'sessionKey', 'idempotencyKey', 'cwd', 'pid'])
        expect(fields).not.toContain(f)
    }
    // itemId is "tool:<toolCallId>" / "command:<toolCallId>" only on the tool-work streams
    for (const [stream, fields] of Object.entries(AGENT_DATA_FIELDS)) {
      if (!['item', 'command_output', 'approval'].includes(stream)) expect(fields).not.toContain('itemId')
    }
    expect(AGENT_DATA_FIELDS.assistant).toEqual(['text', 'delta', 'replace'])
  })
  it('events carry no agentId or recipient profile', () => {
    expect(CHAT_EVENT_FIELDS as readonly string[]).not.toContain('agentId')
    expect(AGENT_EVENT_FIELDS as readonly string[]).not.toContain('agentId')
  })
})

describe('agreement with the official protocol package', () => {
  it('speaks the same protocol version', () => {
    expect(PROTOCOL_VERSION).toBe(OPENCLAW_PROTOCOL_VERSION)
  })

  it("the SDK's client id and mode are in OpenClaw's registries", () => {
    expect(Object.values(GATEWAY_CLIENT_IDS)).toContain(BROWSER_CLIENT.id)
    expect(Object.values(GATEWAY_CLIENT_MODES)).toContain(BROWSER_CLIENT.mode)
  })

  it('a RequestFrame built from our types passes the official validator', () => {
    const frame: RequestFrame = { type: 'req', id: 'r1', method: 'chat.send', params: { message: 'hi' } }
    expect(validateRequestFrame(frame)).toBe(true)
  })
})
