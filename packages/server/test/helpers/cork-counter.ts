/** Test double of the raw socket under `ws`, for the outbox's per-turn batching. */
import { Duplex } from 'node:stream'

/** A raw socket that counts its corks. */
export class CorkCounter extends Duplex {
  corks = 0
  uncorks = 0
  override cork() {
    this.corks += 1
  }
  override uncork() {
    this.uncorks += 1
  }
  override _read() {}
  override _write(_chunk: unknown, _encoding: string, done: () => void) {
    done()
  }
}
