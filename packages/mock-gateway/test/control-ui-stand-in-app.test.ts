import { runInNewContext } from 'node:vm'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { GATEWAY_BUILD_ID } from '../src/fixtures/gateway-identity.js'
import { echoAgent, type MockGateway } from '../src/index.js'
import { Harness, TOKEN, until } from './helpers/harness.js'
import { makeDevice, signedDevice } from './helpers/device.js'

/**
 * The stand-in app (`<basePath>/assets/mock-control-ui.js`) run in Node with a tiny fake DOM: it is
 * fetched from the mock and run as served, its socket and fetches going to the mock. With `asProxy`
 * the fake browser plays ClawChat's part (bearer on fetches; device + token added to the page's
 * `connect`), so the app can get as far as a real console would behind the proxy.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const BASE = '/clawchat/control'

class FakeElement {
  textContent = ''
  value = ''
  dataset: Record<string, string> = {}
  children: FakeElement[] = []
  readonly listeners = new Map<string, (event: unknown) => void>()
  addEventListener(type: string, fn: (event: unknown) => void) {
    this.listeners.set(type, fn)
  }
  replaceChildren() {
    this.children = []
  }
  append(child: FakeElement) {
    this.children.push(child)
  }
}

/** The page's socket as a browser would open it; `asProxy` signs the console's connect like ClawChat does. */
function socketClass(origin: string, asProxy: boolean, opened: WebSocket[]) {
  return class BrowserSocket {
    private readonly ws: WebSocket
    private nonce = ''
    constructor(url: string) {
      this.ws = new WebSocket(url, { origin })
      opened.push(this.ws)
      this.ws.on('message', (data) => {
        const frame = JSON.parse(String(data))
        if (frame.event === 'connect.challenge') this.nonce = frame.payload.nonce
      })
    }
    addEventListener(type: string, fn: (event: unknown) => void) {
      this.ws.addEventListener(type as 'message', fn as never)
    }
    send(text: string) {
      const frame = JSON.parse(text)
      if (asProxy && frame.method === 'connect') {
        const p = frame.params
        p.auth = { token: TOKEN }
        p.device = signedDevice(makeDevice(), {
          nonce: this.nonce,
          signedAt: Date.now(),
          clientId: p.client.id,
          mode: p.client.mode,
          scopes: p.scopes,
          token: TOKEN,
          platform: p.client.platform,
        })
      }
      this.ws.send(JSON.stringify(frame))
    }
  }
}

async function runApp(gw: MockGateway, asProxy: boolean) {
  const origin = gw.url.replace(/^ws:/, 'http:')
  const page = await (await fetch(`${origin}${BASE}/`)).text()
  const buildId = /data-openclaw-control-ui-build-id="([^"]+)"/.exec(page)?.[1] ?? ''
  const source = await (await fetch(`${origin}${BASE}/assets/mock-control-ui.js`)).text()
  const ids = ['status', 'assistant-name', 'sessions', 'message', 'send', 'reply'] as const
  const el = Object.fromEntries(ids.map((id) => [id, new FakeElement()])) as Record<(typeof ids)[number], FakeElement>
  const opened: WebSocket[] = []
  h.onCleanup(() => opened.forEach((ws) => ws.terminate()))
  const bearer: Record<string, string> = asProxy ? { authorization: `Bearer ${TOKEN}` } : {}
  runInNewContext(source, {
    document: {
      documentElement: { dataset: { openclawControlUiBasePath: BASE, openclawControlUiBuildId: buildId } },
      getElementById: (id: (typeof ids)[number]) => el[id],
      createElement: () => new FakeElement(),
    },
    location: { protocol: 'http:', host: new URL(origin).host },
    navigator: { platform: 'Linux x86_64' },
    fetch: (url: string, init: RequestInit) =>
      fetch(new URL(url, origin), { ...init, headers: { ...(init.headers as object), ...bearer } }),
    WebSocket: socketClass(origin, asProxy, opened),
  })
  return el
}

describe('the stand-in app', () => {
  it("opened directly on the gateway (no token, no device): shows the gateway's refusal and no name", async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE } })
    const el = await runApp(gw, false)
    await until(() => el.status.textContent.includes('requires device identity'), 5000, 'the refusal')
    await until(() => el['assistant-name'].textContent !== '', 5000, 'the config answer')
    expect(el['assistant-name'].textContent).toBe('(config unavailable: HTTP 401)')
    const connect = gw.requests.find((r) => r.method === 'connect')
    expect(connect?.params).toMatchObject({
      client: { id: 'openclaw-control-ui', mode: 'webchat' },
      role: 'operator',
      scopes: expect.arrayContaining(['operator.admin', 'operator.pairing']),
    })
    // The short build id (the page's attribute without its asset hash), as the real UI sends it.
    expect((connect?.params as { client: { buildId: string } }).client.buildId).toBe(GATEWAY_BUILD_ID)
    expect(connect?.params).not.toHaveProperty('auth')
    expect(connect?.params).not.toHaveProperty('device')
  })

  it('behind a proxy-like helper: connects, lists every session, streams a chat reply to #reply', async () => {
    const gw = await h.gateway({ controlUi: { basePath: BASE }, agent: echoAgent })
    const other = await h.connected(gw)
    expect((await other.request('sessions.create', { key: 'agent:main:someone-else' })).ok).toBe(true)
    const el = await runApp(gw, true)
    await until(() => el.status.textContent === 'Connected', 5000, 'Connected')
    await until(() => el['assistant-name'].textContent === 'Assistant', 5000, 'the assistant name')
    await until(() => el.sessions.children.length > 0, 5000, 'the first session rows')
    expect(el.sessions.children.map((li) => li.dataset.sessionKey)).toContain('agent:main:someone-else')
    el.message.value = 'hi there'
    el.send.listeners.get('click')?.({})
    await until(() => el.reply.dataset.state === 'final', 5000, 'the final chat event')
    expect(el.reply.textContent).toBe('ECHO<<hi there>>')
    const keys = () => el.sessions.children.map((li) => li.dataset.sessionKey)
    await until(() => keys().includes('agent:main:main'), 5000, 'the chat session listed after the run')
    expect(keys()).toContain('agent:main:someone-else')
  })
})
