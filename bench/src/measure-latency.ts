/** Latency statistics of one window (samples in µs, reported in ms). */

/** Percentiles and extremes of a window's samples, in milliseconds. */
export interface LatencyStats {
  samples: number
  meanMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

/**
 * Percentiles (nearest rank) of latency samples given in µs.
 *
 * @example
 * latencyStats([900, 1100, 1300]).p50Ms // 1.1
 */
export function latencyStats(samplesUs: readonly number[]): LatencyStats {
  const sorted = Float64Array.from(samplesUs).sort()
  let sum = 0
  for (const v of sorted) sum += v
  const ms = (us: number) => Math.round(us) / 1000
  return {
    samples: sorted.length,
    meanMs: sorted.length ? ms(sum / sorted.length) : Number.NaN,
    p50Ms: ms(percentile(sorted, 50)),
    p90Ms: ms(percentile(sorted, 90)),
    p99Ms: ms(percentile(sorted, 99)),
    p999Ms: ms(percentile(sorted, 99.9)),
    maxMs: sorted.length ? ms(sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  }
}
