import { checkCount, checkLength } from './check.js'

/**
 * Llama RMSNorm of each of `rows` rows of `dim`: `out = x / sqrt(mean(x²) + eps) · weight`. The mean of
 * squares is accumulated in float64, so rows of 1e30 or 1e-30 do not overflow or underflow. `out` may be
 * `x` (in place).
 *
 * @example
 * const out = new Float32Array(2)
 * rmsNorm(new Float32Array([3, 4]), new Float32Array([1, 1]), out, 1, 2, 0) // out ≈ [0.849, 1.131]
 */
export function rmsNorm(
  x: Float32Array,
  weight: Float32Array,
  out: Float32Array,
  rows: number,
  dim: number,
  eps: number,
): void {
  checkCount('rmsNorm', 'rows', rows)
  checkCount('rmsNorm', 'dim', dim)
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new RangeError(`rmsNorm: eps must be a finite number ≥ 0, got ${eps}`)
  }
  checkLength('rmsNorm', 'x', x, rows * dim, `rows·dim = ${rows}·${dim}`)
  checkLength('rmsNorm', 'weight', weight, dim, 'dim')
  checkLength('rmsNorm', 'out', out, rows * dim, `rows·dim = ${rows}·${dim}`)
  for (let r = 0; r < rows; r++) {
    const base = r * dim
    let sum = 0
    for (let i = 0; i < dim; i++) {
      const v = x[base + i]!
      sum += v * v
    }
    const inv = 1 / Math.sqrt(sum / dim + eps)
    for (let i = 0; i < dim; i++) out[base + i] = x[base + i]! * inv * weight[i]!
  }
}
