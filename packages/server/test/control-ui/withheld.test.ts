/**
 * Issue 21: an answer of the gateway that carries the gateway's own token never reaches the
 * browser. The mock gateway never does that, so this one case uses a tiny HTTP server as the
 * upstream: it plays the Control UI's config endpoint (so the base-path check passes) and answers
 * some paths with the token in the body or in a header. (The relay link cannot connect to it and
 * stays down: nothing here needs it.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../helpers/harness.js'
import { CONSOLE_PATH, httpGet } from './console-harness.js'

const token = 'tok-withheld-0123456789abcdef'
let h: Harness | undefined
let upstream: Server | undefined
let tmp: string | undefined
afterEach(async () => {
  await h?.close()
  await new Promise((r) => upstream?.close(r) ?? r(undefined))
  upstream?.closeAllConnections()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  h = upstream = tmp = undefined
})

/** The tiny upstream: what each path answers. */
function tinyGateway(): Promise<number> {
  upstream = createServer((req, res) => {
    const path = req.url ?? ''
    if (path === `${CONSOLE_PATH}/control-ui-config.json`) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ basePath: CONSOLE_PATH }))
    }
    if (path.endsWith('/leak.js')) {
      res.writeHead(200, { 'content-type': 'application/javascript' })
      return res.end(`const config = { token: ${JSON.stringify(token)} }`)
    }
    if (path.endsWith('/leak-header')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-debug': `auth=Bearer ${token}` })
      return res.end('ok')
    }
    if (path.endsWith('/moved')) {
      res.writeHead(302, { location: `http://${req.headers.host}${CONSOLE_PATH}/` })
      return res.end()
    }
    if (path.endsWith('/logo.png')) {
      res.writeHead(200, { 'content-type': 'image/png' })
      return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    }
    res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'gw=1; Path=/' })
    res.end('<html>clean</html>')
  })
  return new Promise((resolve) =>
    upstream!.listen(0, '127.0.0.1', () => resolve((upstream!.address() as AddressInfo).port)),
  )
}

describe('an answer of the gateway carrying its token', () => {
  it('is withheld (502) whether in a text body or a header; clean answers pass without Set-Cookie, redirects stay on the app', async () => {
    const port = await tinyGateway()
    tmp = mkdtempSync(join(tmpdir(), 'clawchat-withheld-'))
    h = await startHarness({
      noGateway: true,
      proxy: {
        gateway: { url: `ws://127.0.0.1:${port}`, token, identityPath: join(tmp, 'identity.json') },
        controlUi: { path: CONSOLE_PATH, identityPath: join(tmp, 'console.json') },
      },
    })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const withheld = "the gateway's answer carried its own credential; ClawChat withheld it\n"
    for (const path of ['/assets/leak.js', '/leak-header']) {
      const answer = await httpGet(h, `${CONSOLE_PATH}${path}`, { cookie })
      expect(answer).toMatchObject({ status: 502, body: withheld })
      expect(JSON.stringify(answer.headers)).not.toContain(token)
    }
    const clean = await httpGet(h, `${CONSOLE_PATH}/`, { cookie })
    expect(clean).toMatchObject({ status: 200, body: '<html>clean</html>' })
    expect(clean.headers['set-cookie']).toBeUndefined()
    // A redirect to the gateway's own address would take the browser off the app: it is made a path.
    expect((await httpGet(h, `${CONSOLE_PATH}/moved`, { cookie })).headers.location).toBe(`${CONSOLE_PATH}/`)
    const logo = await httpGet(h, `${CONSOLE_PATH}/logo.png`, { cookie })
    expect(logo.status).toBe(200)
    expect(logo.headers['content-type']).toBe('image/png')
    const logs = h.capture.logs.map((l) => JSON.parse(l) as { level: string; message: string })
    const errors = logs.filter((l) => l.level === 'error' && l.message.includes('carried the gateway token'))
    expect(errors.map((l) => l.message)).toEqual([
      expect.stringMatching(/in its body \(GET \/clawchat\/control\/assets\/leak.js\); answered 502$/),
      expect.stringMatching(/in a header \(GET \/clawchat\/control\/leak-header\); answered 502$/),
    ])
    expect(h.capture.logs.join('\n')).not.toContain(token)
  })
})
