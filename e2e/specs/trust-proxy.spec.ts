import { expect, test } from '@playwright/test'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { Writable } from 'node:stream'
import { startStack, USERS, type Stack } from '../fixtures/servers.js'
import { tryUpgrade } from '../fixtures/raw-upgrade.js'
import { parseArgs } from '../../demo/src/server/parse-args.js'

// A peer that is not loopback: this machine's own non-loopback address as the source of a
// connection to the demo on 127.0.0.1 (the kernel keeps it as the peer address).
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address

const audit: Array<{ event?: string; ip?: string }> = []
let stack: Stack
test.beforeAll(async () => {
  if (!external) return
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) audit.push(JSON.parse(line) as { event?: string; ip?: string })
      done()
    },
  })
  stack = await startStack({ trustProxy: 'loopback', proxyOptions: { audit: sink } })
})
test.afterAll(async () => {
  await stack?.close()
})

/** A plain HTTP request to the demo from `localAddress`; resolves status and Set-Cookie. */
function call(
  path: string,
  opts: { method?: string; body?: string; localAddress?: string } = {},
): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.baseUrl}${path}`, {
      method: opts.method ?? 'GET',
      headers: opts.body ? { 'Content-Type': 'application/json' } : {},
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    })
    req.on('response', (res) => {
      res.resume()
      const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ')
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** The client address the proxy recorded for the newest connection. */
async function lastConnectionIp(count: number): Promise<string | undefined> {
  await expect.poll(() => audit.filter((r) => r.event === 'connection.open').length).toBe(count)
  return audit.filter((r) => r.event === 'connection.open').at(-1)?.ip
}

const forged = {
  Origin: 'http://chat.forged.example',
  'X-Forwarded-Host': 'chat.forged.example',
  'X-Forwarded-Proto': 'http',
  'X-Forwarded-For': '203.0.113.9',
}

test('--trust-proxy loopback: forwarded headers count from a loopback proxy only, not from any other peer', async () => {
  test.skip(!external, 'this machine has no non-loopback IPv4 address to connect from')
  const login = await call('/api/login', {
    method: 'POST',
    body: JSON.stringify({ username: 'alice', password: USERS.alice }),
  })
  expect(login.status).toBe(200)
  const wsUrl = `${stack.baseUrl}/clawchat`

  // From a non-loopback peer (after a plain request, so Express's setting has reached the proxy):
  // its X-Forwarded-Host does not make a foreign origin the app's own, and its X-Forwarded-For
  // is not taken as the client's address.
  expect((await call('/api/me', { localAddress: external })).status).toBe(200)
  expect(await tryUpgrade(wsUrl, { Cookie: login.cookie, ...forged }, { localAddress: external })).toBe(403)
  const ownOrigin = { Cookie: login.cookie, Origin: stack.baseUrl, 'X-Forwarded-For': '203.0.113.9' }
  expect(await tryUpgrade(wsUrl, ownOrigin, { localAddress: external })).toBe(101)
  expect(await lastConnectionIp(1)).toBe(external)

  // Through a proxy on loopback the same headers are the truth about the browser.
  expect(await tryUpgrade(wsUrl, { Cookie: login.cookie, ...forged })).toBe(101)
  expect(await lastConnectionIp(2)).toBe('203.0.113.9')
})

test('--trust-proxy takes what Express takes, and says so for anything else', () => {
  const trustOf = (value: string) => {
    const command = parseArgs(['--trust-proxy', value], {})
    return command.kind === 'run' ? command.options.trustProxy : undefined
  }
  expect(trustOf('loopback')).toBe('loopback')
  expect(trustOf('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8')
  expect(trustOf('2')).toBe(2)
  expect(trustOf('true')).toBe(true)
  expect(trustOf('false')).toBe(false)
  expect(() => trustOf('the-balancer')).toThrow(
    /^--trust-proxy: "the-balancer" is not a value Express takes \(invalid IP address: the-balancer\)/,
  )
})
