/**
 * Summary of the per-token cosine similarity between two layers' states.
 *
 * @example
 * const { mean, median } = layerSimilarity(keys4, keys5, tokens, headDim)
 */
export interface LayerSimilarity {
  readonly mean: number
  readonly median: number
  readonly min: number
  readonly max: number
  /** Tokens compared. */
  readonly tokens: number
}

/**
 * The per-token cosine similarity between the states of two layers (`[tokens, headDim]` each, same token
 * positions), summarised as mean, median, min and max: the observation MiniCache rests on is that from mid
 * depth on, adjacent layers' states point almost the same way. A row that is zero in one layer and not the
 * other counts as 0; a row zero in both counts as 1 (identical). Accumulated in float64.
 *
 * Rows of several heads can be passed as more tokens (`tokens = positions × heads`).
 *
 * @example
 * layerSimilarity(Float32Array.of(1, 0, 0, 1), Float32Array.of(1, 0, 1, 0), 2, 2)
 * // { mean: 0.5, median: 0.5, min: 0, max: 1, tokens: 2 }
 */
export function layerSimilarity(
  statesA: Float32Array,
  statesB: Float32Array,
  tokens: number,
  headDim: number,
): LayerSimilarity {
  if (!Number.isInteger(tokens) || tokens < 1) {
    throw new RangeError(`layerSimilarity: tokens must be an integer ≥ 1, got ${String(tokens)}`)
  }
  if (!Number.isInteger(headDim) || headDim < 1) {
    throw new RangeError(`layerSimilarity: headDim must be an integer ≥ 1, got ${String(headDim)}`)
  }
  const size = tokens * headDim
  if (statesA.length < size || statesB.length < size) {
    const [name, length] = statesA.length < size ? ['statesA', statesA.length] : ['statesB', statesB.length]
    throw new RangeError(
      `layerSimilarity: ${name} has length ${length}, needs ${tokens} × ${headDim} = ${size}`,
    )
  }
  const cosines = new Float64Array(tokens)
  let sum = 0
  for (let row = 0; row < tokens; row++) {
    const offset = row * headDim
    let dot = 0
    let normA = 0
    let normB = 0
    for (let i = 0; i < headDim; i++) {
      const x = statesA[offset + i]!
      const y = statesB[offset + i]!
      dot += x * y
      normA += x * x
      normB += y * y
    }
    let cosine: number
    if (normA === 0 || normB === 0) cosine = normA === normB ? 1 : 0
    else cosine = Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)))
    if (Number.isNaN(cosine) || !Number.isFinite(normA) || !Number.isFinite(normB)) {
      throw new RangeError(`layerSimilarity: row ${row} contains NaN or an infinite value`)
    }
    cosines[row] = cosine
    sum += cosine
  }
  cosines.sort()
  const middle = tokens >> 1
  const median = tokens % 2 === 1 ? cosines[middle]! : (cosines[middle - 1]! + cosines[middle]!) / 2
  return { mean: sum / tokens, median, min: cosines[0]!, max: cosines[tokens - 1]!, tokens }
}
