/** Reads samples out of a Prometheus text-format scrape (the metrics tests). */

/** The samples of `name` whose labels include `labels`, summed (0 when none). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[3])
  }
  return sum
}

/** Scrapes `url` (GET), failing unless it answers 200. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`scrape answered ${res.status}: ${await res.text()}`)
  return res.text()
}
