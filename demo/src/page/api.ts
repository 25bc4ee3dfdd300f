/** The demo server's own JSON routes (login, logout, who am I, direct-mode config). */

export interface Me {
  id: string
  name?: string
  role?: 'user' | 'admin'
}

export type Mode = 'proxy' | 'direct'

export interface MeAnswer {
  mode: Mode
  user: Me | null
  /** The Control UI's link when the demo runs with --control-ui and this user may open it, else null. */
  controlUi?: string | null
}

async function json<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T
  } catch {
    throw new Error(`the server answered ${res.status} without JSON`)
  }
}

export async function fetchMe(): Promise<MeAnswer> {
  const res = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' })
  if (!res.ok) throw new Error(`the server answered ${res.status}`)
  return json<MeAnswer>(res)
}

export async function login(username: string, password: string): Promise<MeAnswer> {
  const res = await fetch('/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const body = await json<MeAnswer & { error?: string }>(res)
  if (!res.ok) throw new Error(body.error ?? `Sign-in failed (${res.status}).`)
  return body
}

export async function logout(): Promise<void> {
  const res = await fetch('/api/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  })
  if (!res.ok) throw new Error(`Sign-out failed (${res.status}).`)
}

export async function fetchDirectConfig(): Promise<{ gatewayUrl: string; token: string }> {
  const res = await fetch('/api/direct-config', { credentials: 'same-origin', cache: 'no-store' })
  if (!res.ok) throw new Error(`could not get the gateway settings (${res.status})`)
  return json(res)
}
