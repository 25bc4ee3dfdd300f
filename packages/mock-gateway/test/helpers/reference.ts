import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The clone's root (`packages/mock-gateway/test/helpers` → four levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')

/**
 * The real gateway's recorded transcripts, kept in the repository as test fixtures
 * (`packages/mock-gateway/test/fixtures/reference/`; its README says where and when they were recorded).
 */
export const REFERENCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/reference')

function referencePath(rel: string): string {
  const file = path.join(REFERENCE_DIR, rel)
  if (!existsSync(file)) {
    throw new Error(
      `reference transcript ${rel} not found in ${path.relative(REPO_ROOT, REFERENCE_DIR)}: copy it there verbatim from the recording and list it in that folder's README.md`,
    )
  }
  return file
}

/** One line of a `transcripts/*.jsonl` file. */
export interface JsonlLine {
  t: number
  dir: '<<' | '>>' | '--'
  frame: any
}

/** Reads a `.jsonl` transcript (`{t, dir, frame}` per line; frames are objects, notes are strings). */
export function loadJsonl(rel: string): JsonlLine[] {
  return readFileSync(referencePath(rel), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonlLine)
}

/** One line of a `transcripts-sessions|more/*.txt` file: `<ms>\t<conn>\t<dir>\t<raw>`. */
export interface TxtLine {
  t: number
  conn: string
  dir: string
  raw: string
  frame: any
}

/** Reads a tab-separated transcript; `frame` is the parsed JSON (undefined for notes and closes). */
export function loadTxt(rel: string): TxtLine[] {
  const out: TxtLine[] = []
  for (const line of readFileSync(referencePath(rel), 'utf8').split('\n')) {
    const [t, conn, dir, ...rest] = line.split('\t')
    if (t === undefined || conn === undefined || dir === undefined) continue
    const raw = rest.join('\t')
    let frame: unknown
    if (dir === '<<' || dir === '>>') {
      try {
        frame = JSON.parse(raw)
      } catch {
        frame = undefined
      }
    }
    out.push({ t: Number(t), conn, dir, raw, frame })
  }
  return out
}

/** The frames the recorded client received (`<<`), objects only. */
export function received(lines: Array<JsonlLine | TxtLine>, conn?: string): any[] {
  return lines
    .filter((l) => l.dir === '<<' && typeof l.frame === 'object' && l.frame !== null)
    .filter((l) => conn === undefined || (l as TxtLine).conn === conn)
    .map((l) => l.frame)
}

/** The recorded close of a `.jsonl` transcript: `{code, reason}`. */
export function recordedClose(lines: JsonlLine[]): { code: number; reason: string } {
  const note = lines.find((l) => typeof l.frame === 'string' && l.frame.startsWith('CLOSE'))
  const m = note && /^CLOSE code=(\d+) reason="(.*)"$/.exec(note.frame as string)
  if (!m) throw new Error('no CLOSE line in transcript')
  return { code: Number(m[1]), reason: m[2] ?? '' }
}

/** The recorded response to the request with this id. */
export function responseTo(lines: Array<JsonlLine | TxtLine>, id: string): any {
  const frame = received(lines).find((f) => f.type === 'res' && f.id === id)
  if (!frame) throw new Error(`no recorded response to ${id}`)
  return frame
}

/** Reads a JSON file of the reference (the `*-summary.json` files). */
export function loadJson(rel: string): any {
  return JSON.parse(readFileSync(referencePath(rel), 'utf8'))
}
