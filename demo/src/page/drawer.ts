import { byId } from './dom.js'

/**
 * The chat list as a drawer on small screens: the menu button opens it; the backdrop, Escape or
 * choosing a chat close it. (On wide screens the list is always there and the menu button hidden.)
 */
export class Drawer {
  private readonly view = byId('chat-view')
  private readonly scrim = byId('scrim')
  private readonly menu = byId('menu')
  private readonly onMenu = () => (this.isOpen() ? this.close(true) : this.open())
  private readonly onScrim = () => this.close(true)
  private readonly onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && this.isOpen()) {
      event.preventDefault()
      this.close(true)
    }
  }

  constructor() {
    this.menu.addEventListener('click', this.onMenu)
    this.scrim.addEventListener('click', this.onScrim)
    document.addEventListener('keydown', this.onKey)
    this.close(false)
  }

  isOpen(): boolean {
    return this.view.dataset.drawer === 'open'
  }

  open(): void {
    this.view.dataset.drawer = 'open'
    // The backdrop is `hidden` while closed: the stylesheet's [hidden] rule beats any display.
    this.scrim.hidden = false
    this.menu.setAttribute('aria-expanded', 'true')
    const sidebar = byId('sidebar')
    const target =
      sidebar.querySelector<HTMLElement>('.session-item[aria-current] .session-open') ??
      sidebar.querySelector<HTMLElement>('.session-open, button')
    target?.focus()
  }

  /** Closes the drawer; `refocus` puts the focus back on the menu button (Escape, backdrop). */
  close(refocus: boolean): void {
    const wasOpen = this.isOpen()
    delete this.view.dataset.drawer
    this.scrim.hidden = true
    this.menu.setAttribute('aria-expanded', 'false')
    if (wasOpen && refocus) this.menu.focus()
  }

  dispose(): void {
    this.close(false)
    this.menu.removeEventListener('click', this.onMenu)
    this.scrim.removeEventListener('click', this.onScrim)
    document.removeEventListener('keydown', this.onKey)
  }
}
