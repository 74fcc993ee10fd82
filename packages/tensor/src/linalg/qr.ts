import { checkMatrix } from './check.js'
import { qrF64 } from './householder.js'

/**
 * Thin QR factorization by Householder reflections: `a` (m × n, row-major) = q (m × p) · r (p × n), p =
 * min(m, n), q with orthonormal columns, r upper triangular with a non-negative diagonal. Computed in float64
 * and rounded once to float32. Rank-deficient input is fine (q stays orthonormal); NaN or infinite entries
 * are refused.
 *
 * @example
 * const { q, r } = householderQR(new Float32Array([3, 1, 4, 2]), 2, 2)
 * // q ≈ [0.6, -0.8, 0.8, 0.6], r ≈ [5, 2.2, 0, 0.4]
 */
export function householderQR(a: Float32Array, m: number, n: number): { q: Float32Array; r: Float32Array } {
  checkMatrix('householderQR', a, m, n)
  const { q, r } = qrF64(Float64Array.from(a), m, n)
  return { q: Float32Array.from(q), r: Float32Array.from(r) }
}
