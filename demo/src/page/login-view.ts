import { login, type MeAnswer } from './api.js'
import { byId } from './dom.js'

/**
 * Shows the sign-in form (with an optional notice, e.g. "you were signed out") and resolves once
 * the user has signed in.
 */
export function showLogin(notice?: string): Promise<MeAnswer> {
  const view = byId('login-view')
  const form = byId<HTMLFormElement>('login-form')
  const username = byId<HTMLInputElement>('login-username')
  const password = byId<HTMLInputElement>('login-password')
  const error = byId('login-error')
  const noticeEl = byId('login-notice')
  const submit = byId<HTMLButtonElement>('login-submit')

  noticeEl.hidden = !notice
  noticeEl.textContent = notice ?? ''
  error.hidden = true
  password.value = ''
  view.hidden = false
  byId('app').dataset.view = 'login'
  ;(username.value ? password : username).focus()

  return new Promise((resolve) => {
    const onSubmit = async (event: SubmitEvent) => {
      event.preventDefault()
      if (!username.value.trim() || !password.value) {
        error.textContent = 'Enter your name and password.'
        error.hidden = false
        return
      }
      submit.disabled = true
      error.hidden = true
      try {
        const me = await login(username.value.trim(), password.value)
        form.removeEventListener('submit', onSubmit)
        password.value = ''
        view.hidden = true
        resolve(me)
      } catch (err) {
        error.textContent = (err as Error).message
        error.hidden = false
        password.select()
      } finally {
        submit.disabled = false
      }
    }
    form.addEventListener('submit', onSubmit)
  })
}
