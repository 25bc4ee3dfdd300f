import { fetchMe, type MeAnswer } from './api.js'
import { byId } from './dom.js'
import { showLogin } from './login-view.js'
import { runChatView } from './chat-view.js'

/** Sign-in, then the chat, then (after sign-out) sign-in again — for as long as the page lives. */
async function boot(): Promise<void> {
  let answer: MeAnswer
  try {
    answer = await fetchMe()
  } catch (err) {
    byId('boot').textContent = `The ClawChat server cannot be reached (${(err as Error).message}). Reload to try again.`
    return
  }
  let notice: string | undefined
  for (;;) {
    if (!answer.user) answer = await showLogin(notice)
    const { notice: next } = await runChatView(answer.user!, answer.mode)
    notice = next
    answer = { mode: answer.mode, user: null }
  }
}

void boot()
