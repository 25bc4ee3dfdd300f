/**
 * Gateway text commands in `chat.send` (`/status`, `/model x -g`, `/restart`, `/approve …`): the
 * gateway runs a message that starts with `/` as an authorized command — with the authority of the
 * connection that sent it, the proxy's `operator.admin` link — unless the request carries
 * `suppressCommandInterpretation: true`. So the proxy decides, per role, which commands a browser
 * may run, and sends every other message with the flag set: the text then reaches the model as
 * plain text. The browser can never set or clear the flag (the `chat.send` planner refuses the param).
 */

/** `'*'`: every command; a list: these command names (without the `/`, lower-case). */
export type CommandAllowance = readonly string[] | '*'

/** Which gateway text commands each role may run. */
export interface CommandPolicy {
  user: CommandAllowance
  admin: CommandAllowance
}

/** The default: no commands for anybody, so no browser ever borrows the link's admin authority. */
export const DEFAULT_COMMAND_POLICY: CommandPolicy = { user: [], admin: [] }

/** A command name as an option may list it: `status`, `model`, `approve` (a leading `/` is allowed). */
export const COMMAND_NAME_PATTERN = /^\/?[a-z][a-z0-9_-]{0,63}$/i

/** `/name` at the start of the text or after whitespace (a path such as `a/b` is not a command). */
const COMMAND_TOKEN = /(?:^|\s)[/!]([^\s/!]*)/g

/** Normalises a command name from an option: lower-case, without the leading `/`. */
export function commandName(name: string): string {
  return name.replace(/^\//, '').toLowerCase()
}

/**
 * The command-like tokens of a message, lower-cased and without their `/`: every word that starts
 * with `/` (or `!`, the gateway's shell shortcut, reported as `!`).
 *
 * @example
 * commandTokens('/model fake/x -g') // ['model']
 * commandTokens('see a/b')          // []
 */
export function commandTokens(message: string): string[] {
  const out: string[] = []
  for (const match of message.matchAll(COMMAND_TOKEN)) {
    const sigil = match[0].trimStart()[0]
    out.push(sigil === '!' ? '!' : (match[1] ?? '').toLowerCase())
  }
  return out
}

/**
 * Must this message go upstream with `suppressCommandInterpretation: true`? Yes unless the role may
 * run every command, or the message names commands and the role may run each of them. A message
 * without commands is suppressed too: the flag costs nothing there, and it leaves no way for any
 * text to be read as a command by a gateway with other command syntaxes.
 *
 * @example
 * mustSuppressCommands([], '/status')                 // true: reaches the model as text
 * mustSuppressCommands(['status'], '/status')         // false: the gateway runs it
 * mustSuppressCommands(['status'], '/status /restart') // true: not every command is allowed
 * mustSuppressCommands('*', '/restart')               // false
 */
export function mustSuppressCommands(allowed: CommandAllowance, message: string): boolean {
  if (allowed === '*') return false
  const tokens = commandTokens(message)
  if (tokens.length === 0) return true
  return !tokens.every((name) => allowed.includes(name))
}
