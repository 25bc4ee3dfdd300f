import type { ClawChat } from '@clawchat/client'
import { AgentWork } from './agent-work.js'
import type { Me } from './api.js'
import { wireChatControls } from './chat-controls.js'
import { Composer } from './composer.js'
import { ConnectionBanner } from './connection-banner.js'
import { watchConnection } from './connection-watch.js'
import { byId } from './dom.js'
import { Drawer } from './drawer.js'
import { LiveRuns } from './live-runs.js'
import { MessageList } from './message-list.js'
import { watchOtherTabReplies } from './other-tab-replies.js'
import { SendFlow } from './send-flow.js'
import { SessionList } from './session-list.js'
import { SessionSwitcher } from './session-switcher.js'
import { SessionTitles } from './session-titles.js'
import { SignOut, type SignedOut } from './sign-out.js'
import { StopReconciler } from './stop-reconciler.js'
import { StoppedReplies } from './stopped-replies.js'

/** A running chat page: `done` resolves when the user is signed out; `close` takes the page down. */
export interface ChatPage {
  done: Promise<SignedOut>
  close(): void
}

/**
 * Builds the signed-in page on a connected (or connecting) SDK client: the sessions, the current
 * chat, the composer, the connection banner, and the replies of the user's other tabs.
 *
 * @example
 * const page = startChatPage(new ClawChat({ url: '/clawchat' }), me)
 * const { notice } = await page.done
 * page.close()
 */
export function startChatPage(chat: ClawChat, me: Me): ChatPage {
  const banner = new ConnectionBanner()
  const messages = new MessageList(byId('messages'), byId('empty'), byId('scroller'))
  const runs = new LiveRuns()
  const stoppedReplies = new StoppedReplies(me.id)
  const stops = new StopReconciler(stoppedReplies)
  const titles = new SessionTitles(me.id, (sessionKey) => chat.history({ sessionKey, limit: 50 }))
  const drawer = new Drawer()
  const sessions = new SessionList(
    byId('session-list'),
    (key) => {
      drawer.close(false)
      if (key !== switcher.current) void switcher.switchTo(key)
    },
    (key) => titles.get(key),
  )
  const composer = new Composer({ onSend: (text) => void flow.send(text), onStop: () => flow.stop() })
  const switcher = new SessionSwitcher({
    chat,
    messages,
    sessions,
    titles,
    composer,
    runs,
    stoppedReplies,
    title: byId('session-title'),
    resetOtherTabs: () => otherTabs.reset(),
    afterHistory: () => work.placePending(),
  })
  const work = AgentWork.onPage(chat, () => switcher.current)
  const flow = new SendFlow({ chat, messages, sessions, titles, composer, runs, stops, work, switcher })
  const signOut = new SignOut({ forget: () => titles.forget(), failed: (m) => banner.show('closed', m) })
  const offStops = stops.watch(chat, (runId) => runs.startedHere(runId))
  // Replies another tab of the same user started in the session on screen.
  const otherTabs = watchOtherTabReplies(chat, {
    current: () => switcher.current,
    isOwn: (runId, key) => runs.isOwn(runId, key),
    messages,
    onEnd: () => void switcher.loadAll(),
  })
  const cleanup = [
    () => messages.dispose(),
    () => drawer.dispose(),
    () => work.dispose(),
    offStops,
    otherTabs.off,
    ...watchConnection(chat, banner, {
      loggedOut: () => void signOut.byServer(),
      open: () => switcher.loadOnce(),
      resync: () => void switcher.loadAll(),
    }),
    wireChatControls({
      newSession: () => {
        drawer.close(false)
        switcher.newSession()
      },
      suggest: (text) => composer.setText(text),
      followUrl: () => switcher.followUrl(),
      signOut: () => void signOut.here(),
    }),
  ]
  switcher.show()
  composer.focus()
  chat.ready.then(
    () => switcher.loadOnce(),
    () => {},
  )
  const close = () => {
    for (const fn of cleanup) fn()
    runs.abortAll()
    composer.dispose()
    sessions.dispose()
    chat.close()
    messages.clear()
  }
  return { done: signOut.done, close }
}
