/**
 * One block of tokens of two adjacent layers merged into a shared direction.
 * Restoring row t of layer A (B): `direction[t] · magnitudeA[t]` (`magnitudeB[t]`), except the rows listed in
 * `retained`, which the cache keeps unmerged in both layers.
 */
export interface MergedRows {
  /** `[tokens, headDim]` unit vectors (zero rows for zero inputs). */
  readonly direction: Float32Array
  readonly magnitudeA: Float32Array
  readonly magnitudeB: Float32Array
  /** Rows kept unmerged (ascending), the ones whose two directions are farthest apart. */
  readonly retained: Int32Array
}

/**
 * Cross-layer merging (MiniCache): pairs adjacent layers and merges a token's states in both into one
 * direction, keeping each layer's magnitude.
 *
 * @example
 * const merger: LayerMerger = minicache({ fromLayer: 4, t: 0.6, retain: 0.05 })
 * merger.pairs(8) // [[4, 5], [6, 7]]
 */
export interface LayerMerger {
  readonly name: string
  /** The layer pairs `[a, b]` (b = a + 1) to merge, for a model of `numLayers` layers. */
  pairs(numLayers: number): ReadonlyArray<readonly [number, number]>
  /** Merges `tokens` rows of layer A and layer B (`[tokens, headDim]` each, same token positions). */
  merge(rowsA: Float32Array, rowsB: Float32Array, tokens: number, headDim: number): MergedRows
}
