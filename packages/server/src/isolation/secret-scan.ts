/**
 * Finding secrets in text — pure: the secrets to look for, and a scan that replaces each with
 * `[redacted]` and (while a stream goes on) holds back a tail that could still become one. The
 * parts of the stream redaction (`stream-redactor.ts`) that know nothing of runs or events.
 */

/** What stands where a secret was. */
export const REDACTED = '[redacted]'

/** The secrets to look for, longest first, with what the scans need. */
export class Secrets {
  readonly list: readonly string[]
  /** Longest secret length minus one: the most a tail can hold back. */
  readonly maxTail: number
  private readonly firsts: Set<number>

  constructor(secrets: readonly (string | undefined)[]) {
    const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))]
    list.sort((a, b) => b.length - a.length)
    this.list = list
    this.maxTail = list.length > 0 ? list[0]!.length - 1 : 0
    this.firsts = new Set(list.map((s) => s.charCodeAt(0)))
  }

  /** The first occurrence of any secret in `text` at or after `from`: [index, length], or null. */
  find(text: string, from: number): [number, number] | null {
    let best: [number, number] | null = null
    for (const secret of this.list) {
      const at = text.indexOf(secret, from)
      if (at !== -1 && (best === null || at < best[0])) best = [at, secret.length]
    }
    return best
  }

  /**
   * The earliest index `q >= from` where `text.slice(q)` is a proper prefix of a secret (a tail
   * that could still become one); `text.length` when none. Looks at the last `maxTail` characters only.
   */
  holdFrom(text: string, from: number): number {
    const end = text.length
    for (let q = Math.max(from, end - this.maxTail); q < end; q += 1) {
      if (this.firsts.has(text.charCodeAt(q)) && this.startsSecret(text, q)) return q
    }
    return end
  }

  /** True when `text.slice(q)` is a proper prefix of some secret. */
  private startsSecret(text: string, q: number): boolean {
    const rest = text.length - q
    for (const secret of this.list) {
      if (secret.length <= rest) continue
      let k = 0
      while (k < rest && secret.charCodeAt(k) === text.charCodeAt(q + k)) k += 1
      if (k === rest) return true
    }
    return false
  }

  /** True when `text` can pass as is: no secret in it, and no tail that could start one. */
  isClean(text: string): boolean {
    return this.find(text, 0) === null && this.holdFrom(text, 0) === text.length
  }
}

/** What {@link scan} made of a text: the output before and after `boundary`, and the held tail. */
export interface Scanned {
  /** Output that comes from characters before `boundary` only (plain text). */
  before: string
  /** The rest of the output (a placeholder that spans the boundary belongs here). */
  after: string
  /** The raw tail held back (empty when `final`). */
  held: string
  /** True when a secret was replaced. */
  redacted: boolean
}

/**
 * Replaces secrets in `text` (leftmost first) and, unless `final`, holds back a tail that could become one.
 *
 * @example
 * scan(new Secrets(['s3cret']), 'a s3cret b s3', 0, false) // { before: '', after: 'a [redacted] b ', held: 's3', … }
 */
export function scan(secrets: Secrets, text: string, boundary: number, final: boolean): Scanned {
  const out: Scanned = { before: '', after: '', held: '', redacted: false }
  const plain = (from: number, to: number) => {
    if (from < boundary) out.before += text.slice(from, Math.min(to, boundary))
    if (to > boundary) out.after += text.slice(Math.max(from, boundary), to)
  }
  let i = 0
  for (;;) {
    const hold = final ? text.length : secrets.holdFrom(text, i)
    const found = secrets.find(text, i)
    if (!found || found[0] >= hold) {
      plain(i, hold)
      out.held = text.slice(hold)
      return out
    }
    plain(i, found[0])
    if (found[0] + found[1] > boundary) out.after += REDACTED
    else out.before += REDACTED
    out.redacted = true
    i = found[0] + found[1]
  }
}
