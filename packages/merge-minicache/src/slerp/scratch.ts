/**
 * Reusable float64 work rows, so that per-row calls (`slerp`, `mergeRows`) allocate only when a larger head
 * dimension first appears. JavaScript runs one call at a time, so one set per module is enough.
 */
type Rows = readonly [Float64Array, Float64Array, Float64Array]
let rows: Rows = [new Float64Array(64), new Float64Array(64), new Float64Array(64)]

/** Three float64 rows of at least `headDim` numbers each (contents undefined); no allocation once grown. */
export function scratchRows(headDim: number): Rows {
  if (rows[0].length < headDim) {
    rows = [new Float64Array(headDim), new Float64Array(headDim), new Float64Array(headDim)]
  }
  return rows
}

/**
 * Copies `headDim` numbers of `src` from `offset` into `dst` divided by their Euclidean norm and returns the
 * norm (0 for an all-zero row, which is copied as zeros). The norm is accumulated in float64, so float32
 * input from 1e-45 to 3e38 neither underflows nor overflows.
 */
export function loadUnit(src: Float32Array, offset: number, headDim: number, dst: Float64Array): number {
  let sumSq = 0
  for (let i = 0; i < headDim; i++) {
    const x = src[offset + i]!
    sumSq += x * x
  }
  const norm = Math.sqrt(sumSq)
  const inv = norm === 0 ? 0 : 1 / norm
  for (let i = 0; i < headDim; i++) dst[i] = src[offset + i]! * inv
  return norm
}
