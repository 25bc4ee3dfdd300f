// Copied into the packaging suite's browser project, which has @clawchat/client but not its optional
// peer @openclaw/gateway-client, and run there with `node`: direct mode against a stand-in gateway
// that sends `connect.challenge`. Signing in needs the missing peer, so the client emits an `error`;
// this prints it as one JSON line: { message }. `ws` comes from the Express app's project (APP_DIR):
// the browser project has none, on purpose.
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ClawChat, memoryStorage } from '@clawchat/client/direct'

const { WebSocket, WebSocketServer } = createRequire(join(process.env.APP_DIR, 'package.json'))('ws')
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
await once(wss, 'listening')
wss.on('connection', (socket) =>
  socket.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n-1', ts: Date.now() } })),
)
console.warn = () => {} // direct mode's one-time "the token is visible" warning
const chat = new ClawChat({
  url: `ws://127.0.0.1:${wss.address().port}`,
  token: 'packaging-token',
  storage: memoryStorage(),
  WebSocket,
})
const error = await new Promise((resolve) => chat.on('error', resolve))
chat.close()
wss.close()
console.log(JSON.stringify({ message: error.message }))
