/**
 * Gateway text commands (`/status`, `/model x -g`, `/restart`, `/approve …`) in `chat.send`: the
 * gateway runs them with the authority of the proxy's admin link unless the request carries
 * `suppressCommandInterpretation: true`. A role without command rights always sends it; the
 * browser can neither set nor clear it.
 */
import { describe, expect, it } from 'vitest'
import { commandTokens, mustSuppressCommands } from '../src/isolation/commands.js'
import { resolveOptions } from '../src/gate/options.js'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext, type UpstreamCall } from '../src/isolation/policy.js'

const user: PlanContext = { namespace: 'clawchat', userId: 'alice', role: 'user', newIdempotencyKey: () => 'k1' }

/** The params `chat.send` sends upstream for `message`, as `ctx`. */
async function upstreamParams(message: string, ctx: PlanContext = user): Promise<Record<string, unknown>> {
  const planned = planRequest(DEFAULT_METHOD_POLICY, 'chat.send', { message }, ctx)
  if (!planned.ok) throw new Error(planned.error.message)
  let sent: Record<string, unknown> = {}
  const call: UpstreamCall = async (_method, params) => {
    sent = params
    return { status: 'started' }
  }
  await planned.plan.run(call)
  return sent
}

describe('commandTokens', () => {
  it('finds every /word at the start or after whitespace, lower-cased', () => {
    expect(commandTokens('/status')).toEqual(['status'])
    expect(commandTokens('  /WhoAmI')).toEqual(['whoami'])
    expect(commandTokens('/model fake/x -g')).toEqual(['model'])
    // An inline directive: the real gateway runs "hello /status" as a model turn AND the command.
    expect(commandTokens('hello /status')).toEqual(['status'])
    expect(commandTokens('line one\n/restart')).toEqual(['restart'])
    expect(commandTokens('! ls')).toEqual(['!'])
    expect(commandTokens('see a/b and https://x.example/y')).toEqual([])
  })
})

describe('mustSuppressCommands', () => {
  it('suppresses everything for a role without command rights, commands and plain text alike', () => {
    for (const m of ['/status', '/model x -g', '/restart', '/approve abc allow-once', 'hello /status', 'plain text']) {
      expect(mustSuppressCommands([], m)).toBe(true)
    }
  })

  it('lets a message through only when every command in it is allowed', () => {
    expect(mustSuppressCommands(['status'], '/status')).toBe(false)
    expect(mustSuppressCommands(['status'], '/STATUS')).toBe(false)
    expect(mustSuppressCommands(['status'], '/status\n/restart')).toBe(true)
    expect(mustSuppressCommands(['status'], '/model x -g')).toBe(true)
    expect(mustSuppressCommands(['status'], '/status ! rm -rf /')).toBe(true)
    expect(mustSuppressCommands('*', '/restart')).toBe(false)
  })
})

describe('chat.send upstream', () => {
  it.each([
    '/status',
    '/model x -g',
    '/restart',
    '/approve 523e2af4 allow-once',
    '/whoami',
    '/elevated full',
    'hello /status',
    'Hello',
  ])('sends %j from a plain user with suppressCommandInterpretation: true', async (message) => {
    const sent = await upstreamParams(message)
    expect(sent.suppressCommandInterpretation).toBe(true)
    expect(sent.message).toBe(message)
  })

  it('lets an admin run the commands the policy grants, and no others', async () => {
    const admin: PlanContext = { ...user, role: 'admin', commands: ['status'] }
    expect((await upstreamParams('/status', admin)).suppressCommandInterpretation).toBeUndefined()
    expect((await upstreamParams('/restart', admin)).suppressCommandInterpretation).toBe(true)
    expect((await upstreamParams('/restart', { ...user, role: 'admin' })).suppressCommandInterpretation).toBe(true)
  })

  it('refuses a browser that tries to set or clear the flag itself', () => {
    for (const value of [false, true]) {
      const planned = planRequest(
        DEFAULT_METHOD_POLICY,
        'chat.send',
        { message: '/status', suppressCommandInterpretation: value },
        user,
      )
      expect(planned.ok).toBe(false)
      if (!planned.ok) {
        expect(planned.error.code).toBe('INVALID_REQUEST')
        expect(planned.error.message).toContain("unexpected property 'suppressCommandInterpretation'")
      }
    }
  })
})

describe('option policy.commands', () => {
  const base = { gateway: { token: 't0ken-value' }, authenticate: () => null }

  it('defaults to no commands for anybody', () => {
    expect(resolveOptions(base).commands).toEqual({ user: [], admin: [] })
  })

  it("takes lists of names (a leading / allowed, lower-cased) or '*'", () => {
    expect(
      resolveOptions({ ...base, policy: { commands: { admin: ['/Status', 'model'], user: '*' } } }).commands,
    ).toEqual({ user: '*', admin: ['status', 'model'] })
  })

  it.each([
    [{ admin: 'status' }, 'policy.commands.admin'],
    [{ admin: ['st atus'] }, 'policy.commands.admin'],
    [{ user: [7] }, 'policy.commands.user'],
    [{ owner: [] }, 'policy.commands.owner'],
    ['all', 'policy.commands'],
  ])('refuses %j naming the option', (commands, option) => {
    expect(() => resolveOptions({ ...base, policy: { commands } })).toThrow(option)
  })
})
