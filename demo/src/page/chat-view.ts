import { ClawChat } from '@clawchat/client'
import { logout, type Me, type Mode } from './api.js'
import { byId } from './dom.js'
import { Composer } from './composer.js'
import { ConnectionBanner } from './connection-banner.js'
import { MessageList, type HistoryMessage, type ReplyHandle } from './message-list.js'
import { SessionList, type SessionRow } from './session-list.js'
import { SessionTitles } from './session-titles.js'
import { localSessionKey, newSessionKey, sessionFromUrl, setSessionInUrl } from './session-route.js'
import { createDirectClient } from './direct-client.js'
import { describeError, isAbort, runFailure } from './errors.js'
import { watchOtherTabReplies } from './other-tab-replies.js'
import { messageText } from './message-text.js'
import { Drawer } from './drawer.js'
import { StoppedReplies } from './stopped-replies.js'

/** How the chat view ended: the user signed out here, or the server signed them out. */
export type SignedOut = { notice: string }

const SIGNED_OUT_HERE = 'You signed out.'
const SIGNED_OUT_ELSEWHERE =
  'You were signed out (here, in another tab, or your session ended). Sign in again to continue.'

/** A reply this page is streaming. */
interface ActiveRun {
  sessionKey: string
  text: string
  controller: AbortController
  reply: ReplyHandle
  runId?: string
}

/**
 * The signed-in page: connects the SDK, shows the sessions and the current chat, sends and streams.
 * Resolves when the user is signed out (here, in another tab, or by the server).
 */
export async function runChatView(me: Me, mode: Mode): Promise<SignedOut> {
  const view = byId('chat-view')
  const app = byId('app')
  view.hidden = false
  app.dataset.view = 'chat'
  byId('direct-warning').hidden = mode !== 'direct'
  const name = me.name || me.id
  byId('me-name').textContent = name
  byId('me-avatar').textContent = name.charAt(0).toUpperCase()
  byId('mode-label').textContent = mode === 'direct' ? 'Direct mode' : 'Signed in'

  let chat: ClawChat
  try {
    chat = mode === 'direct' ? await createDirectClient() : new ClawChat({ url: '/clawchat' })
  } catch (err) {
    view.hidden = true
    return { notice: `Could not start the chat: ${describeError(err)}` }
  }
  const banner = new ConnectionBanner()
  const messages = new MessageList(byId('messages'), byId('empty'), byId('scroller'))
  const title = byId('session-title')
  const cleanup: Array<() => void> = [() => messages.dispose()]
  let current = sessionFromUrl() ?? 'main'
  /** Replies streaming in this page, by session (one per session; the composer waits for it). */
  const runs = new Map<string, ActiveRun>()
  let historyLoaded = false
  let loading: Promise<void> | undefined
  const ownRuns = new Set<string>()
  /** Sessions whose last run was aborted (`abortedLastRun` of sessions.list). */
  const abortedLast = new Set<string>()
  const stoppedReplies = new StoppedReplies(me.id)
  /** Runs stopped here, until the gateway's `aborted` event says what it kept of the reply. */
  const stops = new Map<string, { sessionKey?: string; question?: string; reply?: ReplyHandle; gatewayText?: string }>()

  /** The sign-out this page asked for, while it is under way (or once it worked). */
  let signingOut: Promise<boolean> | undefined
  let finish!: (result: SignedOut) => void
  const done = new Promise<SignedOut>((resolve) => (finish = resolve))

  const titles = new SessionTitles(me.id, (sessionKey) => chat.history({ sessionKey, limit: 50 }))
  const sessions = new SessionList(
    byId('session-list'),
    (key) => {
      closeDrawer()
      if (key !== current) void switchTo(key)
    },
    (key) => titles.get(key),
  )
  const showTitles = () => {
    sessions.refreshTitles()
    title.textContent = sessions.titleOf(current)
  }
  const drawer = new Drawer()
  cleanup.push(() => drawer.dispose())
  const closeDrawer = () => drawer.close(false)
  const composer = new Composer({ onSend: (text) => void send(text), onStop: () => stop() })

  // ---- sessions and history -------------------------------------------------------------------
  async function refreshSessions(): Promise<void> {
    try {
      const result = (await chat.request('sessions.list', {})) as { sessions?: SessionRow[] }
      const rows = (result.sessions ?? []).map((row) => ({ ...row, key: localSessionKey(row.key) }))
      sessions.setServerSessions(rows)
      abortedLast.clear()
      for (const row of rows) if (row.abortedLastRun === true) abortedLast.add(row.key)
      if (historyLoaded && !runs.has(current) && abortedLast.has(current)) messages.markLastReplyStopped()
      if (!sessions.has(current)) sessions.addLocal(current, current === 'main' ? 'Main chat' : 'New chat')
      title.textContent = sessions.titleOf(current)
      void titles.fill(sessions.untitled(), showTitles)
    } catch (err) {
      if (!isAbort(err)) console.warn('sessions.list failed:', describeError(err))
    }
  }

  async function loadHistory(): Promise<void> {
    const key = current
    try {
      const result = (await chat.history({ sessionKey: key, limit: 200 })) as { messages?: HistoryMessage[] }
      if (key !== current) return
      const run = runs.get(key)
      const history = result.messages ?? []
      otherTabs.reset()
      messages.showHistory(run ? withoutLiveRun(history, run.text) : history, stoppedReplies.matcher(key))
      // A reply still streaming here: its question and its growing answer go back under the history.
      if (run) messages.reattach(run.text, run.reply)
      else if (abortedLast.has(key)) messages.markLastReplyStopped()
      historyLoaded = true
    } catch (err) {
      if (!isAbort(err)) console.warn('chat.history failed:', describeError(err))
    }
  }

  /** Sessions and history, once per (re)connection, not twice at once. */
  function loadAll(): Promise<void> {
    loading ??= Promise.all([refreshSessions(), loadHistory()]).then(() => {
      loading = undefined
    })
    return loading
  }

  async function switchTo(key: string): Promise<void> {
    current = key
    setSessionInUrl(key)
    sessions.setCurrent(key)
    title.textContent = sessions.titleOf(key)
    otherTabs.reset()
    messages.clear()
    historyLoaded = false
    composer.setBusy(runs.has(key))
    await loadHistory()
    composer.focus()
  }

  function newSession(): void {
    closeDrawer()
    const key = newSessionKey()
    sessions.addLocal(key)
    void switchTo(key)
  }

  // ---- sending, streaming, stopping -----------------------------------------------------------
  async function send(text: string): Promise<void> {
    const sessionKey = current
    if (messages.isEmpty()) {
      titles.remember(sessionKey, text)
      if (!sessions.has(sessionKey)) sessions.addLocal(sessionKey)
      showTitles()
    }
    const userMessage = messages.addUser(text)
    if (chat.state !== 'open') userMessage.setStatus('queued', 'Waiting for the connection…')
    const reply = messages.addReply()
    const run: ActiveRun = { sessionKey, text, controller: new AbortController(), reply }
    runs.set(sessionKey, run)
    composer.setBusy(true)
    sessions.setLive(sessionKey, true)
    try {
      for await (const part of chat.stream(text, { sessionKey, signal: run.controller.signal })) {
        if (part.runId && !run.runId) {
          run.runId = part.runId
          ownRuns.add(part.runId)
        }
        userMessage.setStatus('sent')
        reply.update(part.text)
      }
      userMessage.setStatus('sent')
      reply.finish('final')
    } catch (err) {
      const failure = runFailure(err)
      if (isAbort(err) || failure === 'aborted') {
        userMessage.setStatus('sent')
        reply.finish('aborted', 'Stopped')
        if (run.runId) {
          // What was on screen, until the gateway's `aborted` event says what it kept.
          stoppedReplies.remember({
            sessionKey,
            runId: run.runId,
            question: text,
            text: reply.text,
            fromGateway: false,
          })
          noteStop(run.runId, { sessionKey, question: text, reply })
        }
      } else {
        if (reply.text === '') userMessage.setStatus('failed', 'Not delivered')
        reply.finish('error', describeError(err))
      }
    } finally {
      if (runs.get(sessionKey) === run) runs.delete(sessionKey)
      sessions.setLive(sessionKey, false)
      if (sessionKey === current) composer.setBusy(false)
      void refreshSessions()
    }
  }

  function stop(): void {
    // The SDK ends the stream and sends chat.abort for the run.
    runs.get(current)?.controller.abort()
  }

  /**
   * A stopped run of this page, in two halves that come in either order: the page's own stop (its
   * bubble) and the gateway's `aborted` event (the text it kept, which a chunk in flight at the
   * Stop may have made longer than the bubble). With both, the bubble shows the gateway's text —
   * what the history will hold — and the stop is remembered for later showings of the history.
   */
  function noteStop(
    runId: string,
    half: { sessionKey?: string; question?: string; reply?: ReplyHandle; gatewayText?: string },
  ): void {
    const stop = { ...stops.get(runId), ...half }
    if (!stop.reply || stop.gatewayText === undefined) {
      stops.set(runId, stop)
      return
    }
    stops.delete(runId)
    if (stop.gatewayText === '') return
    if (stop.gatewayText !== stop.reply.text) stop.reply.revise(stop.gatewayText)
    stoppedReplies.remember({
      sessionKey: stop.sessionKey!,
      runId,
      question: stop.question!,
      text: stop.gatewayText,
      fromGateway: true,
    })
  }
  cleanup.push(
    chat.on('chat', (event) => {
      const e = event as { runId?: string; state?: string; message?: { content?: unknown } }
      if (e.state === 'aborted' && e.runId && ownRuns.has(e.runId))
        noteStop(e.runId, { gatewayText: messageText(e.message?.content) })
    }),
  )

  // Replies another tab of the same user started in the session on screen.
  const otherTabs = watchOtherTabReplies(chat, {
    current: () => current,
    isOwn: (runId, key) => {
      if (ownRuns.has(runId)) return true
      const own = runs.get(key)
      return own !== undefined && (own.runId === undefined || own.runId === runId) // before its first part named it
    },
    messages,
    onEnd: () => void loadAll(),
  })
  cleanup.push(otherTabs.off)

  // ---- connection ---------------------------------------------------------------------------------
  cleanup.push(
    chat.on('state', (change) => {
      const { state, reason } = change as { state: Parameters<ConnectionBanner['show']>[0]; reason?: string }
      if (state === 'closed') {
        if (reason === 'logged-out') void signedOutByServer()
        else if (reason === 'auth-failed') banner.show('closed', 'The gateway refused this page’s credentials.')
        else banner.show('closed')
        return
      }
      banner.show(state)
      if (state === 'open' && !historyLoaded) void loadAll()
    }),
    chat.on('resync', () => void loadAll()),
    chat.on('clawchat.gateway', (payload) => {
      const g = payload as { state?: string; reason?: string }
      if (g.state === 'down' && chat.state === 'gateway-down') banner.show('gateway-down', g.reason)
      if (g.state === 'misconfigured') banner.show('misconfigured', g.reason)
    }),
  )

  // ---- buttons ------------------------------------------------------------------------------------
  const listen = (id: string, type: string, fn: (e: Event) => void) => {
    const el = byId(id)
    el.addEventListener(type, fn)
    cleanup.push(() => el.removeEventListener(type, fn))
  }
  listen('new-session', 'click', newSession)
  listen('new-session-wide', 'click', newSession)
  listen('empty', 'click', (e) => {
    const chip = (e.target as HTMLElement).closest<HTMLElement>('[data-suggest]')
    if (chip?.dataset.suggest) composer.setText(chip.dataset.suggest)
  })
  const onHash = () => {
    const key = sessionFromUrl() ?? 'main'
    if (key !== current) {
      if (!sessions.has(key)) sessions.addLocal(key)
      void switchTo(key)
    }
  }
  window.addEventListener('hashchange', onHash)
  cleanup.push(() => window.removeEventListener('hashchange', onHash))
  listen('logout', 'click', async () => {
    if (await signOutHere()) finish({ notice: SIGNED_OUT_HERE })
  })

  /** Signs out through the server once (a second click joins the first); true when it worked. */
  function signOutHere(): Promise<boolean> {
    signingOut ??= logout().then(
      () => {
        titles.forget()
        return true
      },
      (err: unknown) => {
        signingOut = undefined
        banner.show('closed', `Signing out failed: ${describeError(err)} Try again.`)
        return false
      },
    )
    return signingOut
  }

  /**
   * The server closed the socket because the session ended. A sign-out from this page ends it too,
   * and that close can arrive before the answer to the sign-out request: then this page's own
   * sign-out decides what the page says.
   */
  async function signedOutByServer(): Promise<void> {
    const here = signingOut ? await signingOut : false
    finish({ notice: here ? SIGNED_OUT_HERE : SIGNED_OUT_ELSEWHERE })
  }

  // ---- start --------------------------------------------------------------------------------------
  banner.show(chat.state as Parameters<ConnectionBanner['show']>[0])
  sessions.setCurrent(current)
  setSessionInUrl(current)
  title.textContent = sessions.titleOf(current)
  composer.focus()
  chat.ready.then(
    () => {
      if (!historyLoaded) void loadAll()
    },
    () => {},
  )

  const result = await done
  for (const fn of cleanup) fn()
  for (const run of runs.values()) run.controller.abort()
  composer.dispose()
  sessions.dispose()
  chat.close()
  messages.clear()
  view.hidden = true
  return result
}

/** The history up to the live run's question (question and reply are shown again, live). */
function withoutLiveRun(history: readonly HistoryMessage[], text: string): HistoryMessage[] {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!
    if (m.role !== 'user') continue
    return messageText(m.content) === text ? history.slice(0, i) : [...history]
  }
  return [...history]
}
