/**
 * A random v4 UUID: `crypto.randomUUID()` where the page may use it (secure contexts), else built
 * from `crypto.getRandomValues`. Used for every `idempotencyKey` (and so every `runId`).
 *
 * @example
 * uuid() // '3b241101-e2bb-4255-8caf-4136c566a962'
 */
export function uuid(): string {
  const c = globalThis.crypto
  if (typeof c.randomUUID === 'function') return c.randomUUID()
  const b = c.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
