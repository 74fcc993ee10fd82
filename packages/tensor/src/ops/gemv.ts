import { checkCount, checkLength, checkRange } from './check.js'

/**
 * Dot product of `n` elements of `a` from `aOffset` and of `b` from `bOffset`, accumulated in float64 over
 * four independent sums (so the additions pipeline).
 *
 * @example
 * dot(new Float32Array([1, 2, 3]), 0, new Float32Array([4, 5, 6]), 0, 3) // 32
 */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, n: number): number {
  checkRange('dot', 'a', a, aOffset, n)
  checkRange('dot', 'b', b, bOffset, n)
  return dotUnchecked(a, aOffset, b, bOffset, n)
}

/** `dot` without the range checks, for hot loops that checked once. */
export function dotUnchecked(a: Float32Array, ai: number, b: Float32Array, bi: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const end4 = n & ~3
  let i = 0
  for (; i < end4; i += 4) {
    s0 += a[ai + i]! * b[bi + i]!
    s1 += a[ai + i + 1]! * b[bi + i + 1]!
    s2 += a[ai + i + 2]! * b[bi + i + 2]!
    s3 += a[ai + i + 3]! * b[bi + i + 3]!
  }
  for (; i < n; i++) s0 += a[ai + i]! * b[bi + i]!
  return s0 + s1 + s2 + s3
}

/**
 * Matrix–vector product `out = weight · x` for a row-major `weight` of `rows × cols` (the decode-step
 * projection of one token). Four accumulators per row, float64 sums, result rounded once to float32.
 *
 * @example
 * const w = new Float32Array([1, 2, 3, 4, 5, 6]) // 2 × 3
 * const out = new Float32Array(2)
 * gemv(w, new Float32Array([1, 1, 1]), out, 2, 3) // out = [6, 15]
 */
export function gemv(
  weight: Float32Array,
  x: Float32Array,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  checkCount('gemv', 'rows', rows)
  checkCount('gemv', 'cols', cols)
  checkLength('gemv', 'weight', weight, rows * cols, `rows·cols = ${rows}·${cols}`)
  checkLength('gemv', 'x', x, cols, 'cols')
  checkLength('gemv', 'out', out, rows, 'rows')
  const end4 = cols & ~3
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let c = 0
    for (; c < end4; c += 4) {
      s0 += weight[base + c]! * x[c]!
      s1 += weight[base + c + 1]! * x[c + 1]!
      s2 += weight[base + c + 2]! * x[c + 2]!
      s3 += weight[base + c + 3]! * x[c + 3]!
    }
    for (; c < cols; c++) s0 += weight[base + c]! * x[c]!
    out[r] = s0 + s1 + s2 + s3
  }
}
