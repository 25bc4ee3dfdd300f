import type { ClawChat } from '@clawchat/client'
import { AgentWork } from './agent-work.js'
import type { Me } from './api.js'
import { wireChatControls } from './chat-controls.js'
import { Composer } from './composer.js'
import { ConnectionBanner } from './connection-banner.js'
import { watchConnection } from './connection-watch.js'
import { byId } from './dom.js'
import { ComposerDrafts } from './drafts.js'
import { Drawer } from './drawer.js'
import { LiveRuns } from './live-runs.js'
import { wireMessageActions } from './message-actions.js'
import { MessageList } from './message-list.js'
import { watchOtherTabReplies } from './other-tab-replies.js'
import { SendFlow } from './send-flow.js'
import { ChatActions } from './session-actions.js'
import { SessionList } from './session-list.js'
import { SessionSwitcher } from './session-switcher.js'
import { SessionTitles } from './session-titles.js'
import { SignOut, type SignedOut } from './sign-out.js'
import { StopReconciler } from './stop-reconciler.js'
import { StoppedReplies } from './stopped-replies.js'
import { Resume } from './resume.js'
import { Toast } from './toast.js'

/** A running chat page: `done` resolves when the user is signed out; `close` takes the page down. */
export interface ChatPage {
  done: Promise<SignedOut>
  close(): void
}

/** The parts of the page, built on one SDK client. */
function buildParts(chat: ClawChat, me: Me) {
  const messages = new MessageList(byId('messages'), byId('empty'), byId('scroller'))
  const runs = new LiveRuns()
  const stoppedReplies = new StoppedReplies(me.id)
  const titles = new SessionTitles(me.id, (sessionKey) => chat.history({ sessionKey, limit: 50 }))
  const drafts = new ComposerDrafts(me.id)
  const drawer = new Drawer()
  const toast = new Toast()
  const sessions: SessionList = new SessionList(byId('session-list'), {
    select: (key) => {
      drawer.close(false)
      if (key !== switcher.current) void switcher.switchTo(key)
    },
    knownTitle: (key) => titles.get(key),
    rename: (key, label) => actions.rename(key, label),
    pin: (key, pinned) => actions.pin(key, pinned),
    remove: (key) => void actions.remove(key),
  })
  const composer = new Composer({
    onSend: (text) => void flow.send(text),
    onStop: () => flow.stop(),
    onDraft: (text) => drafts.set(switcher.current, text),
  })
  const switcher: SessionSwitcher = new SessionSwitcher({
    chat,
    messages,
    sessions,
    titles,
    composer,
    drafts,
    runs,
    stoppedReplies,
    title: byId('session-title'),
    afterHistory: () => work.placePending(),
    resume: (key) => void resume.attach(key),
  })
  const actions: ChatActions = new ChatActions({ chat, sessions, toast, switcher })
  const work = AgentWork.onPage(chat, () => switcher.current)
  const stops = new StopReconciler(stoppedReplies)
  const flow: SendFlow = new SendFlow({
    chat,
    messages,
    sessions,
    titles,
    composer,
    runs,
    stops,
    work,
    toast,
    switcher,
  })
  const resume = new Resume({ chat, messages, runs, flow, switcher })
  return {
    messages,
    runs,
    titles,
    drafts,
    drawer,
    toast,
    sessions,
    composer,
    switcher,
    actions,
    work,
    stops,
    flow,
    resume,
  }
}

/**
 * Builds the signed-in page on a connected (or connecting) SDK client: the sessions, the current
 * chat, the composer, the connection banner, and the replies in progress (after a reload, or
 * started in another tab), which the page follows with `chat.attach`; messages the SDK restored
 * from its persisted queue are shown again.
 *
 * @example
 * const page = startChatPage(new ClawChat({ url: '/clawchat' }), me)
 * const { notice } = await page.done
 * page.close()
 */
export function startChatPage(chat: ClawChat, me: Me): ChatPage {
  const banner = new ConnectionBanner()
  const parts = buildParts(chat, me)
  const { messages, runs, titles, drafts, drawer, sessions, composer, switcher, actions, work, stops, flow, resume } =
    parts
  const signOut = new SignOut({
    forget: () => {
      titles.forget()
      drafts.forget()
    },
    failed: (m) => banner.show('closed', m),
  })
  const cleanup = [
    () => messages.dispose(),
    () => drawer.dispose(),
    () => work.dispose(),
    () => actions.dispose(),
    () => parts.toast.hide(),
    stops.watch(chat, (runId) => runs.startedHere(runId)),
    watchOtherTabReplies(chat, {
      current: () => switcher.current,
      isOwn: (runId) => runs.startedHere(runId),
      following: (key) => resume.following(key),
      onStart: () => void switcher.loadAll(),
      onEnd: (key) => void (key === switcher.current ? switcher.loadAll() : switcher.refreshSessions()),
    }),
    wireMessageActions(byId('messages'), {
      busy: () => runs.has(switcher.current),
      regenerate: () => void flow.regenerate(),
      edit: (row, text) => void flow.edit(row, text),
    }),
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
  resume.restore(chat.restored)
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
