import type { HeadStore } from './head-store.js'

/** What a cache holds and what it costs (DESIGN.md section 4). */
export interface CacheStats {
  /** Tokens held, `[layer][kvHead]`. */
  readonly tokens: number[][]
  readonly totalTokens: number
  /** Everything the methods store: data, scales, zero points, factors, outliers and indices, metadata. */
  readonly logicalBytes: number
  /** Bytes of the typed arrays allocated for the cache right now. */
  readonly physicalBytes: number
  /** Tokens of the sequence so far (what a full cache would hold in every layer and head). */
  readonly sequenceLength: number
  /**
   * Bytes of a full float16 cache of the same sequence: every token in every layer and KV head,
   * 2 bytes × headDim for K and for V. Evicted and skipped tokens count here, not in `physicalBytes`.
   */
  readonly float16Bytes: number
  /** `float16Bytes / physicalBytes`: above 1 the cache is smaller than a float16 full cache. */
  readonly ratio: number
}

/** Something beside the head stores that holds cache bytes (an extension's indexes or shared rows). */
export interface ExtraBytes {
  logicalBytes?(): number
  physicalBytes?(): number
}

/** Sums the head stores and the extras into `CacheStats`. */
export function collectStats(
  stores: HeadStore[][],
  sequenceLength: number,
  extras: readonly ExtraBytes[],
): CacheStats {
  const tokens = stores.map((heads) => heads.map((store) => store.count))
  let logicalBytes = 0
  let physicalBytes = 0
  let float16Bytes = 0
  for (const heads of stores) {
    for (const store of heads) {
      logicalBytes += store.logicalBytes()
      physicalBytes += store.physicalBytes()
    }
  }
  for (const extra of extras) {
    logicalBytes += extra.logicalBytes?.() ?? 0
    physicalBytes += extra.physicalBytes?.() ?? 0
  }
  let totalTokens = 0
  for (let layer = 0; layer < stores.length; layer++) {
    for (let head = 0; head < stores[layer]!.length; head++) {
      totalTokens += tokens[layer]![head]!
      float16Bytes += sequenceLength * stores[layer]![head]!.headDim * 2 * 2
    }
  }
  return {
    tokens,
    totalTokens,
    sequenceLength,
    logicalBytes,
    physicalBytes,
    float16Bytes,
    ratio: physicalBytes === 0 ? 0 : float16Bytes / physicalBytes,
  }
}
