// Issue 20, resume, on the REAL gateway through `clawchatProxy` and `@clawchat/client`: a tab opened
// while alice's agent is answering, and a "reload" (her page closed mid-reply, a new one opened),
// both `chat.attach` the run in progress — the text so far first, then the rest, exactly once,
// ending with the same text as the page that never left. Bob attaches to nothing of hers, an idle
// session attaches to nothing, and a run waiting for an approval is attached with its approval
// (the gateway's trap: `inFlightRun` is then the *queued* run). Exec policy `ask` for the file, so
// the approval scenario needs no second gateway. One gateway, one app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClawChat, StreamPart } from '@clawchat/client'
import type { ClawChatProxyOptions } from '@clawchat/server'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { EXEC_ASK_CONFIG } from './gateway-config.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream } from './sdk-helpers.js'
import { toolMarker } from './tool-fidelity-scenarios.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
const clients: ClawChat[] = []
const cookies = new Map<string, string>()

/** A new page of user `id` (logged in once per user: the pages share the login, like two tabs). */
async function page(id: string): Promise<ClawChat> {
  let cookie = cookies.get(id)
  if (!cookie) cookies.set(id, (cookie = await app.login({ id, name: id })))
  const chat = sdkClient(app.wsUrl, cookie, { frames: [], http: [] } satisfies BrowserSideRecord)
  clients.push(chat)
  await chat.ready
  return chat
}

/** A stream read as it comes: its parts so far, a wait for one that matches, and its end. */
function reading(stream: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = []
  const waiters: Array<{ match: (p: StreamPart) => boolean; resolve: () => void }> = []
  const done = collectStream(stream, (p) => {
    parts.push(p)
    for (const w of [...waiters]) {
      if (!w.match(p)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  })
  done.catch(() => undefined)
  const until = (match: (p: StreamPart) => boolean, what: string, timeoutMs = 90_000) =>
    parts.some(match)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no stream part: ${what} in ${timeoutMs} ms`)), timeoutMs)
          const done = () => {
            clearTimeout(timer)
            resolve()
          }
          waiters.push({ match, resolve: done })
        })
  return { parts, done, until }
}

const joined = (parts: readonly StreamPart[]) => parts.map((p) => p.deltaText ?? '').join('')
const isDelta = (p: StreamPart) => p.state === 'delta' && (p.deltaText ?? '') !== ''

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, extraConfig: EXEC_ASK_CONFIG })
  console.log(`[resume] real gateway started in ${gateway.startMs} ms`)
  const proxy = { approvals: { route: true }, policy: { approvals: { user: 'own' } } }
  app = await startProxyApp({
    gatewayUrl: gateway.url,
    token: gateway.token,
    proxy: proxy as Partial<ClawChatProxyOptions>,
  })
  await app.waitForLinkUp()
}, 240_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

describe('attach to a reply in progress (real gateway)', () => {
  it('a tab opened mid-reply shows the text so far, then the rest, exactly once, ending like the sender', async () => {
    const text = 'resume tab [[SLOW:24x120]]'
    const sender = await page('alice-r')
    const sent = reading(sender.stream(text, { sessionKey: 'tab' }))
    await sent.until((p) => isDelta(p) && (p.text ?? '').length > 20, 'a few deltas at the sender')

    const tab = await page('alice-r')
    const attached = await tab.attach({ sessionKey: 'tab' })
    expect(attached, 'attach found the run in progress').not.toBeNull()
    const parts = await collectStream(attached!)
    const senderParts = await sent.done

    const first = parts[0]!
    expect(first.runId).toBe(senderParts[0]!.runId)
    expect((first.text ?? '').length, 'the first part carries the text so far').toBeGreaterThan(0)
    expect(first.deltaText).toBe(first.text)
    const final = parts.at(-1)!
    expect(final.state).toBe('final')
    expect(final.text).toBe(fakeModelReply(text))
    expect(final.text).toBe(senderParts.at(-1)!.text)
    expect(joined(parts), 'every character exactly once').toBe(final.text)
  })

  it('a reload mid-reply (the page closed, a new one opened) attaches and finishes the same reply', async () => {
    const text = 'resume reload [[SLOW:24x120]]'
    const before = await page('alice-r')
    const sent = reading(before.stream(text, { sessionKey: 'reload' }))
    await sent.until((p) => isDelta(p) && (p.text ?? '').length > 20, 'a few deltas before the reload')
    const runId = sent.parts[0]!.runId
    before.close()

    const after = await page('alice-r')
    const attached = await after.attach({ sessionKey: 'reload' })
    expect(attached).not.toBeNull()
    const parts = await collectStream(attached!)
    expect(parts[0]!.runId).toBe(runId)
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text) })
    expect(joined(parts)).toBe(fakeModelReply(text))
    // The history has the reply once, under the same run.
    const history = await after.history({ sessionKey: 'reload' })
    const replies = history.messages.filter((m) => m.role === 'assistant' && m.runId === runId)
    expect(replies).toHaveLength(1)
  })

  it('bob attaches to nothing of alice’s (same session key, her run in progress); an idle session attaches to nothing', async () => {
    const alice = await page('alice-r')
    const sent = reading(alice.stream('resume private [[SLOW:16x120]]', { sessionKey: 'shared-name' }))
    await sent.until(isDelta, 'alice streaming')
    const bob = await page('bob-r')
    expect(await bob.attach({ sessionKey: 'shared-name' })).toBeNull()
    const runs = (await bob.request('clawchat.runs', {})) as { runs: unknown[] }
    expect(runs.runs).toEqual([])
    await sent.done
    expect(await alice.attach({ sessionKey: 'shared-name' }), 'nothing runs once the reply is final').toBeNull()
    expect(await alice.attach({ sessionKey: 'never-used' })).toBeNull()
  })

  it('a run waiting for an approval, a second message queued behind it: attach finds it with its approval and ends with the reply', async () => {
    const text = `resume approval ${toolMarker('exec', { command: 'echo resumed-after-approval', title: 'resume' })} MSG:ra`
    const sender = await page('alice-r')
    const sent = reading(sender.stream(text, { sessionKey: 'approval' }))
    await sent.until((p) => p.waiting?.on === 'approval', 'the sender waiting on the approval')

    // The trap: a second message to the same session while the first waits is queued, and the
    // gateway then names the *queued* run as `inFlightRun` (with no text, no activeRunIds).
    const queued = await sender.send('resume follow-up while waiting MSG:rb', { sessionKey: 'approval' })
    const tab = await page('alice-r')
    const history = await tab.history({ sessionKey: 'approval' })
    expect(history.hasActiveRun).toBe(true)
    expect(history.inFlightRun?.runId).toBe(queued.runId)
    expect(history.activeRunIds).toBeUndefined()
    const attached = await tab.attach({ sessionKey: 'approval' })
    expect(attached, 'attach found the run waiting for an approval').not.toBeNull()
    const tabStream = reading(attached!)
    await tabStream.until((p) => p.waiting?.on === 'approval', 'the attached stream shows the approval', 30_000)
    const approval = tab.pendingApprovals()[0]
    expect(approval?.request.command).toBe('echo resumed-after-approval')

    await tab.resolveApproval(approval!.id, 'allow-once')
    const [parts, senderParts] = await Promise.all([tabStream.done, sent.done])
    const final = parts.at(-1)!
    expect(final.state).toBe('final')
    expect(final.text).toBe(senderParts.at(-1)!.text)
    expect(parts.some((p) => p.tool?.status === 'done' || p.tool?.status === 'running')).toBe(true)
  })
})
