/** Options `approvals` and `policy.approvals` (issue 18): defaults, and errors that name the bad option. */
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/gate/options.js'

const session = (_req: unknown, _res: unknown, next: () => void) => next()
const base = { gateway: { token: 'tok-SECRET-approvals' }, session }

function error(options: Record<string, unknown>): string {
  try {
    resolveOptions({ ...base, ...options })
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected resolveOptions to throw')
}

describe('approval options', () => {
  it('default: the link is no approval route, deny after 2 minutes unattended, only admins answer', () => {
    const o = resolveOptions(base)
    expect(o.approvals).toEqual({ route: false, unattendedDenyMs: 120_000 })
    expect(o.approvalPolicy).toEqual({ user: 'none', admin: 'any' })
  })

  it('takes what a site sets', () => {
    const o = resolveOptions({
      ...base,
      approvals: { route: true, unattendedDenyMs: 0 },
      policy: { approvals: { user: 'own' } },
    })
    expect(o.approvals).toEqual({ route: true, unattendedDenyMs: 0 })
    expect(o.approvalPolicy).toEqual({ user: 'own', admin: 'any' })
    expect(resolveOptions({ ...base, policy: { approvals: { admin: 'own' } } }).approvalPolicy.admin).toBe('own')
  })

  it('names the bad option', () => {
    expect(error({ approvals: true })).toMatch(/option "approvals" must be an object/)
    expect(error({ approvals: { route: 'yes' } })).toMatch(/option "approvals.route" must be true or false, got "yes"/)
    expect(error({ approvals: { unattendedDenyMs: 50 } })).toMatch(/option "approvals.unattendedDenyMs" must be/)
    expect(error({ approvals: { unattendedDenyMs: 3_600_000 } })).toMatch(/approvals.unattendedDenyMs/)
    expect(error({ approvals: { rout: true } })).toMatch(
      /unknown option "approvals.rout"; known: route, unattendedDenyMs/,
    )
    expect(error({ policy: { approvals: { user: 'any' } } })).toMatch(
      /option "policy.approvals.user" must be 'none' or 'own', got "any"/,
    )
    expect(error({ policy: { approvals: { admin: 'all' } } })).toMatch(/option "policy.approvals.admin"/)
    expect(error({ policy: { approvals: { users: 'own' } } })).toMatch(/unknown option "policy.approvals.users"/)
    expect(error({ policy: { approvals: 'own' } })).toMatch(/option "policy.approvals" must be an object/)
  })
})
