import { ClawChat } from '@clawchat/client'
import type { Me, Mode } from './api.js'
import { startChatPage } from './chat-page.js'
import { createDirectClient } from './direct-client.js'
import { byId } from './dom.js'
import { describeError } from './errors.js'
import type { SignedOut } from './sign-out.js'

export type { SignedOut } from './sign-out.js'

/**
 * The signed-in page: connects the SDK, shows the sessions and the current chat, sends and streams.
 * Resolves when the user is signed out (here, in another tab, or by the server).
 *
 * @example
 * const { notice } = await runChatView({ id: 'alice' }, 'proxy')
 * await showLogin(notice)
 */
export async function runChatView(me: Me, mode: Mode, controlUi: string | null = null): Promise<SignedOut> {
  const view = byId('chat-view')
  view.hidden = false
  showIdentity(me, mode)
  showControlUiLink(controlUi)
  // Messages not yet answered survive a reload of this tab: the SDK keeps them in sessionStorage
  // and sends them once (same idempotencyKey) from the next page.
  const queue = { storage: sessionStorage, key: `clawchat.sends.${me.id}` }
  let chat: ClawChat
  try {
    chat = mode === 'direct' ? await createDirectClient(queue) : new ClawChat({ url: '/clawchat', persist: queue })
  } catch (err) {
    view.hidden = true
    return { notice: `Could not start the chat: ${describeError(err)}` }
  }
  const page = startChatPage(chat, me)
  const result = await page.done
  page.close()
  forget(queue)
  view.hidden = true
  return result
}

/** Signed out: messages still waiting are not sent (the page said so); they leave the tab. */
function forget(queue: { storage: Storage; key: string }): void {
  try {
    queue.storage.removeItem(queue.key)
  } catch {
    // storage unavailable: nothing kept
  }
}

/** The sidebar's "Control UI" link: for a user the server says may open it (administrators, --control-ui). */
function showControlUiLink(href: string | null): void {
  const link = byId<HTMLAnchorElement>('control-ui-link')
  link.hidden = href === null
  link.href = href ?? '#'
}

/** The top bar and the sidebar's footer: who is signed in, and how the page talks to the gateway. */
function showIdentity(me: Me, mode: Mode): void {
  byId('app').dataset.view = 'chat'
  byId('direct-warning').hidden = mode !== 'direct'
  const name = me.name || me.id
  byId('me-name').textContent = name
  byId('me-avatar').textContent = name.charAt(0).toUpperCase()
  byId('mode-label').textContent = mode === 'direct' ? 'Direct mode' : 'Signed in'
}
