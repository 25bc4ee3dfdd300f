import { fetchMe, type MeAnswer } from './api.js'
import { byId } from './dom.js'
import { showLogin } from './login-view.js'
import { runChatView } from './chat-view.js'
import { returnToControlUi } from './login-return.js'

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
    const signingIn = !answer.user
    if (signingIn) answer = await showLogin(notice)
    // Sent here to sign in on the way to the Control UI: go on there (only right after signing in, so a
    // console that keeps sending a signed-in user back here cannot make a loop).
    if (returnToControlUi(signingIn ? answer.controlUi : null)) return
    const { notice: next } = await runChatView(answer.user!, answer.mode, answer.controlUi ?? null)
    notice = next
    answer = { mode: answer.mode, user: null }
  }
}

void boot()
