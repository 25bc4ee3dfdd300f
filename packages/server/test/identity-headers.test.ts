/**
 * `trustedIdentityHeaders`: identity headers believed only from the configured proxy addresses (the
 * socket's peer, never X-Forwarded-For), refused from anybody else, with option errors naming the option.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { trustedIdentityHeaders, type TrustedIdentityHeadersOptions } from '../src/index.js'
import { startHarness, type Harness } from './helpers/harness.js'

function capture() {
  const lines: string[] = []
  const write = (level: string) => (fields: object, message?: string) =>
    void lines.push(JSON.stringify({ level, message, ...fields }))
  return { lines, logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') } }
}

let server: Server | undefined
let h: Harness | undefined
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r))
  server = undefined
  await h?.close()
  h = undefined
})

/** A server that answers each request with what `authenticate` made of it; resolves with a requester. */
async function serve(options: TrustedIdentityHeadersOptions) {
  const authenticate = trustedIdentityHeaders(options)
  server = createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ user: (await authenticate(req)) ?? null }))
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port
  return (headers: Record<string, string | string[]>) =>
    new Promise<unknown>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve((JSON.parse(body) as { user: unknown }).user))
      })
      req.on('error', reject)
      req.end()
    })
}

describe('trustedIdentityHeaders: options', () => {
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /options must be an object with at least "from"/],
    [{}, /option "from" is required: the authenticating proxy's addresses/],
    [{ from: true }, /option "from" is required.*true, hop counts and functions are not taken.*got true/],
    [{ from: 1 }, /option "from" .*got 1/],
    [{ from: () => true }, /option "from" .*got a function/],
    [{ from: [] }, /option "from" .*got \[\]/],
    [{ from: 'not-an-address' }, /^trustedIdentityHeaders: option "from": .*not-an-address/],
    [{ from: 'loopback', user: 'x forwarded user' }, /option "user" must be an HTTP header name/],
    [{ from: 'loopback', name: 42 }, /option "name" must be an HTTP header name.*got 42/],
    [{ from: 'loopback', admins: ['ops'] }, /option "admins" needs option "groups"/],
    [{ from: 'loopback', groups: 'x-forwarded-groups', admins: 'ops' }, /option "admins" must be an array/],
    [{ from: 'loopback', logger: console.log }, /option "logger" must be a pino-compatible logger/],
    [{ from: 'loopback', users: 'x-user' }, /unknown option "users"; known options: from, user/],
  ]
  it.each(cases)('refuses %j at construction, naming the option', (options, message) => {
    expect(() => trustedIdentityHeaders(options as TrustedIdentityHeadersOptions)).toThrow(TypeError)
    expect(() => trustedIdentityHeaders(options as TrustedIdentityHeadersOptions)).toThrow(message)
  })

  it('takes addresses as trustProxy does: a comma list, an array, subnets, the named ranges', () => {
    expect(() => trustedIdentityHeaders({ from: '127.0.0.1, 10.0.0.0/8' })).not.toThrow()
    expect(() => trustedIdentityHeaders({ from: ['loopback', 'uniquelocal', 'fd00::/8'] })).not.toThrow()
  })
})

describe('trustedIdentityHeaders: from a trusted proxy', () => {
  const oauth2Proxy: TrustedIdentityHeadersOptions = {
    from: 'loopback',
    name: 'x-forwarded-preferred-username',
    groups: 'x-forwarded-groups',
    admins: ['chat-admins'],
  }

  it('takes the user, name and role from the headers (admin by group membership)', async () => {
    const get = await serve(oauth2Proxy)
    const admin = await get({
      'X-Forwarded-User': 'u-123',
      'X-Forwarded-Preferred-Username': 'ada',
      'X-Forwarded-Groups': 'staff, chat-admins',
    })
    expect(admin).toEqual({ id: 'u-123', name: 'ada', role: 'admin' })
    expect(await get({ 'X-Forwarded-User': 'u-456', 'X-Forwarded-Groups': 'staff,chat-admins-not' })).toEqual({
      id: 'u-456',
      role: 'user',
    })
  })

  it('is nobody without the user header, with an empty one, or with two of them', async () => {
    const { lines, logger } = capture()
    const get = await serve({ ...oauth2Proxy, logger })
    expect(await get({ 'X-Forwarded-Preferred-Username': 'ada' })).toBeNull()
    expect(await get({ 'X-Forwarded-User': '  ' })).toBeNull()
    expect(await get({ 'X-Forwarded-User': ['mallory', 'u-123'] })).toBeNull()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('came twice')
    expect(lines.join('\n')).not.toMatch(/mallory|u-123/)
  })

  it('decodes UTF-8 names as the proxy sent them (Node reads header bytes as Latin-1)', async () => {
    const get = await serve(oauth2Proxy)
    const raw = (text: string) => Buffer.from(text, 'utf8').toString('latin1')
    expect(
      await get({ 'X-Forwarded-User': raw('josé@example.com'), 'X-Forwarded-Preferred-Username': raw('José') }),
    ).toEqual({ id: 'josé@example.com', name: 'José', role: 'user' })
    expect(await get({ 'X-Forwarded-User': '\xff\xfe' })).toBeNull()
  })

  it('judges the socket peer: an IPv4-mapped loopback peer is loopback', () => {
    const authenticate = trustedIdentityHeaders({ from: 'loopback' })
    const req = { socket: { remoteAddress: '::ffff:127.0.0.1' }, headers: { 'x-forwarded-user': 'u-1' } }
    expect(authenticate(req as unknown as IncomingMessage)).toEqual({ id: 'u-1', role: 'user' })
  })
})

describe('trustedIdentityHeaders: from anybody else', () => {
  it('refuses the headers from a peer not in "from", and says so without their values', async () => {
    const { lines, logger } = capture()
    const get = await serve({ from: '10.0.0.0/8', name: 'x-forwarded-email', logger })
    expect(await get({ 'X-Forwarded-User': 'admin-7', 'X-Forwarded-Email': 'boss@example.com' })).toBeNull()
    expect(lines).toHaveLength(1)
    const line = JSON.parse(lines[0] as string)
    expect(line).toMatchObject({ level: 'warn', headers: ['x-forwarded-user', 'x-forwarded-email'], peer: '127.0.0.1' })
    expect(line.message).toContain('refused identity headers from a peer not in "from"')
    expect(lines[0]).not.toMatch(/admin-7|boss@/)
  })

  it('never believes X-Forwarded-For: a request claiming to come through 10.0.0.5 is still refused', async () => {
    const get = await serve({ from: '10.0.0.0/8' })
    expect(await get({ 'X-Forwarded-User': 'u-1', 'X-Forwarded-For': '10.0.0.5' })).toBeNull()
  })

  it('logs nothing for an ordinary request without identity headers', async () => {
    const { lines, logger } = capture()
    const get = await serve({ from: '10.0.0.0/8', logger })
    expect(await get({ Cookie: 'a=b' })).toBeNull()
    expect(lines).toEqual([])
  })
})

describe("trustedIdentityHeaders as the proxy's authenticate", () => {
  it("lets the trusted proxy's user upgrade and refuses the same headers from another address with 401", async () => {
    h = await startHarness({ proxy: { authenticate: trustedIdentityHeaders({ from: 'loopback' }) } })
    const headers = { 'X-Forwarded-User': 'alice@example.com' }
    expect(await h.upgradeStatus(undefined, headers)).toBe(101)
    expect(await h.upgradeStatus(undefined)).toBe(401)
    const session = await fetch(`${h.baseUrl}/clawchat/session`, { headers })
    expect(await session.json()).toMatchObject({ user: { id: 'alice@example.com', role: 'user' } })
    await h.close()

    const { lines, logger } = capture()
    h = await startHarness({ proxy: { authenticate: trustedIdentityHeaders({ from: '192.0.2.10', logger }) } })
    expect(await h.upgradeStatus(undefined, headers)).toBe(401)
    expect(lines.join('\n')).toContain('refused identity headers')
    expect(lines.join('\n')).not.toContain('alice@')
  })
})
