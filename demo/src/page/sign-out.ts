import { logout } from './api.js'
import { describeError } from './errors.js'

/** How the chat view ended: the user signed out here, or the server signed them out. */
export type SignedOut = { notice: string }

const SIGNED_OUT_HERE = 'You signed out.'
const SIGNED_OUT_ELSEWHERE =
  'You were signed out (here, in another tab, or your session ended). Sign in again to continue.'

/**
 * The end of the chat view: the user signs out here, or the server closes the socket because the
 * session ended. `done` resolves once, with the notice the sign-in form shows next.
 *
 * @example
 * const signOut = new SignOut({ forget: () => titles.forget(), failed: (m) => banner.show('closed', m) })
 * logoutButton.onclick = () => void signOut.here()
 * const { notice } = await signOut.done
 */
export class SignOut {
  readonly done: Promise<SignedOut>
  private finish!: (result: SignedOut) => void
  /** The sign-out this page asked for, while it is under way (or once it worked). */
  private signingOut: Promise<boolean> | undefined

  constructor(
    private readonly on: {
      /** The sign-out worked: forget what this browser kept of the user. */
      forget(): void
      /** The sign-out failed: tell the user. */
      failed(message: string): void
    },
  ) {
    this.done = new Promise<SignedOut>((resolve) => (this.finish = resolve))
  }

  /** The sign-out button. */
  async here(): Promise<void> {
    if (await this.request()) this.finish({ notice: SIGNED_OUT_HERE })
  }

  /**
   * The server closed the socket because the session ended. A sign-out from this page ends it too,
   * and that close can arrive before the answer to the sign-out request: then this page's own
   * sign-out decides what the page says.
   */
  async byServer(): Promise<void> {
    const here = this.signingOut ? await this.signingOut : false
    this.finish({ notice: here ? SIGNED_OUT_HERE : SIGNED_OUT_ELSEWHERE })
  }

  /** Signs out through the server once (a second click joins the first); true when it worked. */
  private request(): Promise<boolean> {
    this.signingOut ??= logout().then(
      () => {
        this.on.forget()
        return true
      },
      (err: unknown) => {
        this.signingOut = undefined
        this.on.failed(`Signing out failed: ${describeError(err)} Try again.`)
        return false
      },
    )
    return this.signingOut
  }
}
