/** The size budget of the main entry, min+gzip, in bytes (16.5 KB). */
export declare const BUDGET_BYTES: number
/** Bundles `entry` (default the main entry) for browsers, minifies and gzips it. */
export declare function measure(entry?: string): Promise<{
  minBytes: number
  gzipBytes: number
  budgetBytes: number
  withinBudget: boolean
  /** The files that went into the bundle. */
  inputs: string[]
}>
