import fc from 'fast-check'

/** Awkward sizes: ones that break blocked and unrolled loops. */
export const AWKWARD = [1, 3, 7, 17, 33, 65] as const

/** Scales applied to unit-range data: zeros-ish, tiny, ordinary and huge magnitudes. */
export const MAGNITUDES = [1e-30, 1, 1e15, 1e30] as const

/** A row-major `[rows, dim]` Float32Array with entries in [-1, 1] times `scale`, some rows constant. */
export function matrix(rows: number, dim: number, scale: number): fc.Arbitrary<Float32Array> {
  return fc
    .tuple(
      fc.float32Array({ minLength: rows * dim, maxLength: rows * dim, min: -1, max: 1, noNaN: true }),
      fc.boolean(),
    )
    .map(([data, constantFirstRow]) => {
      const out = new Float32Array(rows * dim)
      for (let i = 0; i < out.length; i++) out[i] = data[i]! * scale
      if (constantFirstRow) out.fill(0.5 * scale, 0, dim)
      return out
    })
}

/** Ids 0..n-1 spread out (×7 + 3) so that ids are not row numbers. */
export function spreadIds(n: number, offset = 0): Int32Array {
  const ids = new Int32Array(n)
  for (let i = 0; i < n; i++) ids[i] = (i + offset) * 7 + 3
  return ids
}

/** Inner products of `query` with every row, in float64, for reference answers. */
export function allScores(keys: Float32Array, n: number, dim: number, query: Float32Array): Float64Array {
  const out = new Float64Array(n)
  for (let r = 0; r < n; r++) {
    let s = 0
    for (let j = 0; j < dim; j++) s += query[j]! * keys[r * dim + j]!
    out[r] = s
  }
  return out
}
