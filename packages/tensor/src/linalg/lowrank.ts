import { Rng } from '../random/rng.js'
import { checkMatrix } from './check.js'
import { qrF64 } from './householder.js'
import { svdF64 } from './svd.js'

/** Default extra sketch columns (Halko, Martinsson & Tropp recommend 5–10; 4 keeps GEAR's cost low). */
export const DEFAULT_OVERSAMPLE = 4

/** Options of `lowRankApprox`. */
export interface LowRankOptions {
  /** Products with A (each followed by one with Aᵀ); GEAR uses 3. Default 3. */
  readonly iterations?: number
  /** Source of the Gaussian start; default `new Rng(0)` so that results repeat. */
  readonly rng?: Rng
  /**
   * Extra columns iterated beside the `rank` wanted, then truncated by a small SVD; 0 is GEAR's exact
   * scheme. Default `min(DEFAULT_OVERSAMPLE, min(m, n) − rank)`.
   */
  readonly oversample?: number
}

/**
 * Rank-`rank` approximation `a ≈ left · rightᵀ` by randomized power (subspace) iteration, as GEAR
 * compresses its quantization residual: start from a Gaussian n × r block Q, then `iterations` times
 * P = orth(A·Q), Q = Aᵀ·P, orthonormalizing Q between steps but not after the last. So `left` [m, r] has
 * orthonormal columns and `right` [n, r] = Aᵀ·left, which makes left·rightᵀ the projection of A onto
 * span(left) (the best approximation with that left basis).
 *
 * GEAR's reference orthonormalizes only on its last loop; in exact arithmetic the spans are the same, and
 * orthonormalizing every step keeps float arithmetic from collapsing the columns onto the top singular
 * vector. Unlike GEAR, `oversample` extra columns are iterated by default and the result truncated to
 * `rank` by the SVD of the n × (r + p) factor: left = P·W_r, right = (AᵀP)·W_r, still orthonormal and
 * Aᵀ·left. Without them a strongly decaying spectrum and an unlucky start miss the top direction a few
 * percent of the time (the start's component along it must beat (σ_{r+1}/σ_r)^(2·iterations−1)).
 * Work is float64, 2·iterations·m·n·(r+p) multiply-adds plus QRs of m × (r+p) and n × (r+p).
 *
 * @example
 * const { left, right } = lowRankApprox(residual, 64, 128, 4, { iterations: 3, rng: new Rng(7) })
 * // residual ≈ left [64 × 4] · rightᵀ [4 × 128]
 */
export function lowRankApprox(
  a: Float32Array,
  m: number,
  n: number,
  rank: number,
  options: LowRankOptions = {},
): { left: Float32Array; right: Float32Array } {
  checkMatrix('lowRankApprox', a, m, n)
  const maxRank = Math.min(m, n)
  if (!Number.isInteger(rank) || rank < 1 || rank > maxRank) {
    throw new RangeError(`lowRankApprox: rank must be an integer in [1, min(m, n) = ${maxRank}], got ${rank}`)
  }
  const iterations = options.iterations ?? 3
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`lowRankApprox: iterations must be a positive integer, got ${iterations}`)
  }
  const oversample = options.oversample ?? Math.min(DEFAULT_OVERSAMPLE, maxRank - rank)
  if (!Number.isInteger(oversample) || oversample < 0 || rank + oversample > maxRank) {
    throw new RangeError(
      `lowRankApprox: oversample must be an integer in [0, min(m, n) − rank = ${maxRank - rank}], got ${oversample}`,
    )
  }
  const rng = options.rng ?? new Rng(0)
  const width = rank + oversample
  let q: Float64Array = qrF64(rng.fillNormal(new Float64Array(n * width)), n, width).q
  let p: Float64Array = new Float64Array(m * width)
  for (let it = 0; it < iterations; it++) {
    p = qrF64(multiply(a, q, m, n, width), m, width).q
    q = multiplyTransposed(a, p, m, n, width)
    if (it < iterations - 1) q = qrF64(q, n, width).q
  }
  if (oversample === 0) return { left: Float32Array.from(p), right: Float32Array.from(q) }
  // q = AᵀP = U Σ Wᵀ, so PᵀA = W Σ Uᵀ: the best rank-r part inside span(P) is P·W_r (W_r)ᵀ PᵀA.
  const w = svdF64(q, n, width).v
  return { left: keepColumns(p, w, m, width, rank), right: keepColumns(q, w, n, width, rank) }
}

/** x (rows × width) · w[:, :rank] (w is width × width). */
function keepColumns(
  x: Float64Array,
  w: Float64Array,
  rows: number,
  width: number,
  rank: number,
): Float32Array {
  const out = new Float32Array(rows * rank)
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < rank; c++) {
      let sum = 0
      for (let t = 0; t < width; t++) sum += x[i * width + t]! * w[t * width + c]!
      out[i * rank + c] = sum
    }
  }
  return out
}

/** A (m × n) · Q (n × r) in float64. */
function multiply(a: Float32Array, q: Float64Array, m: number, n: number, r: number): Float64Array {
  const out = new Float64Array(m * r)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i * n + j]!
      if (x === 0) continue
      for (let c = 0; c < r; c++) out[i * r + c]! += x * q[j * r + c]!
    }
  }
  return out
}

/** Aᵀ (n × m) · P (m × r) in float64, reading A by rows. */
function multiplyTransposed(a: Float32Array, p: Float64Array, m: number, n: number, r: number): Float64Array {
  const out = new Float64Array(n * r)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i * n + j]!
      if (x === 0) continue
      for (let c = 0; c < r; c++) out[j * r + c]! += x * p[i * r + c]!
    }
  }
  return out
}
