/**
 * The Control UI stand-in's script (`<basePath>/assets/mock-control-ui.js`): plain browser JS, an ES
 * module, no build step. It does what the real UI does at start with no token typed: fetch
 * control-ui-config.json, open ONE socket at `<origin><basePath>`, answer `connect.challenge` with the
 * real UI's `connect` (client `openclaw-control-ui`/`webchat`, the SHORT form of the page's build id:
 * the html attribute without its trailing `-<64 hex>` asset hash, as the real UI sends it; the six
 * operator scopes, no `auth`, no `device`), then list all sessions and run chats on `agent:main:main`.
 *
 * Stable ids for tests: `#status` ("Connected" after hello-ok, else the error or close), `#assistant-name`,
 * `#sessions li[data-session-key]`, `#message`, `#send`, `#reply` (`data-state` = "final" | "error" |
 * "aborted" once the run ended). Kept free of backticks so it can live in this template string.
 */
export const STAND_IN_APP_JS = String.raw`// Mock OpenClaw Control UI stand-in (served by @clawchat/mock-gateway).
const root = document.documentElement
const basePath = root.dataset.openclawControlUiBasePath || ''
// The html carries '<build>-<64 hex asset hash>'; the connect carries '<build>' (the gateway's own build id).
const buildId = (root.dataset.openclawControlUiBuildId || '').replace(/-[0-9a-f]{64}$/, '')
const SCOPES = ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.questions',
  'operator.pairing']
const el = (id) => document.getElementById(id)
const randomId = () => Math.random().toString(36).slice(2) + Date.now().toString(36)
const pending = new Map()
let nextId = 0
let connected = false
let failed = false
let currentRun = null

const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + basePath)

function showStatus(text) {
  el('status').textContent = text
}

function request(method, params) {
  nextId += 1
  const id = nextId + ':' + randomId()
  socket.send(JSON.stringify({ type: 'req', id, method, params }))
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
}

function connectParams() {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: {
      id: 'openclaw-control-ui',
      version: buildId.split('-')[0] || 'dev',
      buildId,
      platform: navigator.platform || 'web',
      mode: 'webchat',
      instanceId: randomId(),
    },
    role: 'operator',
    scopes: SCOPES,
  }
}

async function loadConfig() {
  try {
    const res = await fetch(basePath + '/control-ui-config.json', { headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error('HTTP ' + res.status)
    el('assistant-name').textContent = (await res.json()).assistantName
  } catch (err) {
    el('assistant-name').textContent = '(config unavailable: ' + err.message + ')'
  }
}

async function loadSessions() {
  const result = await request('sessions.list', {})
  const list = el('sessions')
  list.replaceChildren()
  for (const row of result.sessions || []) {
    const item = document.createElement('li')
    item.dataset.sessionKey = row.key
    item.textContent = row.label ? row.key + ' — ' + row.label : row.key
    list.append(item)
  }
}

async function onConnect() {
  try {
    await request('connect', connectParams())
    connected = true
    showStatus('Connected')
    await loadSessions()
  } catch (err) {
    failed = true
    showStatus(err.message)
  }
}

function messageText(message) {
  const parts = (message && message.content) || []
  return parts.filter((p) => p.type === 'text').map((p) => p.text).join('')
}

function onChatEvent(payload) {
  if (!currentRun || payload.runId !== currentRun) return
  const reply = el('reply')
  if (payload.state === 'delta') reply.textContent = messageText(payload.message)
  if (payload.state === 'final' || payload.state === 'aborted') {
    if (payload.message) reply.textContent = messageText(payload.message)
    reply.dataset.state = payload.state
    currentRun = null
    loadSessions().catch(() => {})
  }
  if (payload.state === 'error') {
    reply.textContent = payload.errorMessage || 'the run failed'
    reply.dataset.state = 'error'
    currentRun = null
  }
}

async function send() {
  const input = el('message')
  const text = input.value.trim()
  if (!connected || text === '') return
  const reply = el('reply')
  reply.textContent = ''
  delete reply.dataset.state
  currentRun = randomId()
  input.value = ''
  try {
    await request('chat.send', { sessionKey: 'agent:main:main', message: text, idempotencyKey: currentRun })
  } catch (err) {
    reply.textContent = err.message
    reply.dataset.state = 'error'
    currentRun = null
  }
}

socket.addEventListener('message', (message) => {
  const frame = JSON.parse(message.data)
  if (frame.type === 'event' && frame.event === 'connect.challenge') onConnect()
  else if (frame.type === 'event' && frame.event === 'chat') onChatEvent(frame.payload)
  else if (frame.type === 'res' && pending.has(frame.id)) {
    const { resolve, reject } = pending.get(frame.id)
    pending.delete(frame.id)
    if (frame.ok) resolve(frame.payload)
    else reject(new Error((frame.error && frame.error.message) || 'request failed'))
  }
})

socket.addEventListener('close', (event) => {
  connected = false
  if (!failed) showStatus('Disconnected (' + event.code + (event.reason ? ': ' + event.reason : '') + ')')
})

el('send').addEventListener('click', send)
el('message').addEventListener('keydown', (event) => {
  if (event.key === 'Enter') send()
})
loadConfig()
`
