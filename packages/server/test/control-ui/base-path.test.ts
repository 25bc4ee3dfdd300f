/**
 * Issue 21, the base-path check on its own, against a tiny HTTP server whose answer the test
 * changes (the mock's base path is fixed per start): a mismatch is explained with what the gateway
 * said, asked again at most every 5 s (fake clock) until it succeeds; a gateway that cannot be
 * asked is not a mismatch.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { BasePathCheck, mismatchText } from '../../src/control-ui/base-path-check.js'

const token = 'tok-base-path-0123456789'
let server: Server | undefined
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined))
  server = undefined
})

const log = { debug() {}, info() {}, warn() {}, error() {} }

describe('BasePathCheck', () => {
  it('explains a mismatch with the base path the gateway said, and asks again only after 5 s', async () => {
    let basePath = '/'
    const asked: Array<string | undefined> = []
    server = createServer((req, res) => {
      asked.push(req.headers.authorization)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ basePath }))
    })
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    let now = 0
    const check = new BasePathCheck({ origin, path: '/clawchat/control', token, log, now: () => now })
    check.start()
    expect(await check.problem()).toBe(mismatchText('/clawchat/control', '/'))
    expect(mismatchText('/clawchat/control', '/')).toContain('serves its Control UI at "/"')
    basePath = '/clawchat/control'
    now = 4999
    expect(await check.problem()).not.toBeNull()
    now = 5000
    expect(await check.problem()).toBeNull()
    now = 60_000
    expect(await check.problem()).toBeNull()
    expect(asked).toEqual([`Bearer ${token}`, `Bearer ${token}`])
  })

  it('lets requests go on while the gateway cannot be asked', async () => {
    const check = new BasePathCheck({ origin: 'http://127.0.0.1:9', path: '/c', token, log })
    expect(await check.problem()).toBeNull()
  })
})
