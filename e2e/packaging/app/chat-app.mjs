// Copied into the packaging suite's fresh npm project and run there with `node`: everything it imports
// comes from that project's node_modules (the packed tarballs, express and friends from the registry).
// A plain Express app mounts `clawchatProxy` in front of the mock gateway; `@clawchat/client` in Node
// (a `ws` WebSocket that sends the session cookie) logs in and chats. Prints one JSON line:
// { user, reply, resolved } — `resolved` says where each package was loaded from.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { WebSocket } from 'ws'
import { clawchatProxy } from '@clawchat/server'
import { echoAgent, startMockGateway } from '@clawchat/mock-gateway'
import { ClawChat } from '@clawchat/client'

const TOKEN = 'packaging-gateway-token'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const dir = mkdtempSync(join(tmpdir(), 'clawchat-packaging-identity-'))
const gateway = await startMockGateway({ token: TOKEN, agent: echoAgent })

const sessionMiddleware = session({ secret: 'packaging-session-secret', resave: false, saveUninitialized: false })
const proxy = clawchatProxy({
  gateway: { url: gateway.url, token: TOKEN, identityPath: join(dir, 'identity.json') },
  session: sessionMiddleware,
  logger: quiet,
  audit: false,
})
const app = express()
app.use(express.json())
app.use(proxy)
app.use(sessionMiddleware)
app.post('/login', (req, res) => {
  req.session.user = { id: String(req.body.id), name: String(req.body.name) }
  res.json({ ok: true })
})
const server = createServer(app)
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
proxy.attach(server)
const origin = `http://127.0.0.1:${server.address().port}`

const login = await fetch(`${origin}/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'alice', name: 'Alice' }),
})
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
if (!login.ok || !cookie) throw new Error(`login failed: HTTP ${login.status}, cookie ${JSON.stringify(cookie)}`)

/** `ws` sends the session cookie and the app's Origin with the upgrade, as a browser would. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url) {
    super(url, { headers: { cookie, origin } })
  }
}
const chat = new ClawChat({
  url: `ws://127.0.0.1:${server.address().port}/clawchat`,
  WebSocket: BrowserLikeWebSocket,
  fetch: (url, init) => fetch(new URL(url, origin), { ...init, headers: { cookie } }),
})
let reply = ''
try {
  await chat.ready
  for await (const part of chat.stream('Hello from a packed app')) reply = part.text
} finally {
  chat.close()
  await proxy.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await gateway.close()
  rmSync(dir, { recursive: true, force: true })
}
const require = createRequire(import.meta.url)
const resolved = Object.fromEntries(
  ['@clawchat/server', '@clawchat/client', '@clawchat/mock-gateway', '@clawchat/protocol', 'express'].map((name) => [
    name,
    require.resolve(name),
  ]),
)
console.log(JSON.stringify({ user: chat.user, reply, resolved }))
