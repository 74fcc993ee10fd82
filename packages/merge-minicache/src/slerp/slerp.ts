import { checkInterpolation } from '../minicache/options.js'
import { loadUnit, scratchRows } from './scratch.js'
import { slerpUnit } from './slerp-kernel.js'

/**
 * Spherical linear interpolation between the directions of `a` and `b`: the point at fraction `t` of the
 * great arc from `a/‖a‖` (t = 0) to `b/‖b‖` (t = 1), written as a unit vector into `out`. Returns the angle
 * between the two directions in radians (0 when either input is zero).
 *
 * Inputs are meant to be unit vectors; any non-zero vector is used by its direction. Degenerate cases:
 * - nearly parallel (angle < 1e-4): linear interpolation, normalised (the chord error is below 1e-12);
 * - opposite (within 1e-6 of π): a half-turn through a fixed direction orthogonal to both, chosen from the
 *   inputs alone so that the result is deterministic and `slerp(a, b, t) = slerp(b, a, 1 − t)`; with
 *   `headDim` 1 there is no such direction and the result is `a` below t = 1/2, `b` above, +1 at 1/2;
 * - a zero input has no direction: the result is the other input's direction for every t; both zero give
 *   a zero vector. No case produces NaN.
 *
 * Computed in float64, rounded once to float32: `‖out‖ = 1` within float32 rounding.
 *
 * @param headDim numbers per vector (defaults to `out.length`)
 * @example
 * const out = new Float32Array(2)
 * slerp(Float32Array.of(1, 0), Float32Array.of(0, 1), 0.5, out) // out ≈ [0.7071, 0.7071], returns π/2
 */
export function slerp(
  a: Float32Array,
  b: Float32Array,
  t: number,
  out: Float32Array,
  headDim: number = out.length,
  aOffset = 0,
  bOffset = 0,
  outOffset = 0,
): number {
  checkInterpolation('slerp', t)
  if (!Number.isInteger(headDim) || headDim < 1) {
    throw new RangeError(`slerp: headDim must be a positive integer, got ${headDim}`)
  }
  checkSpan('a', a, aOffset, headDim)
  checkSpan('b', b, bOffset, headDim)
  checkSpan('out', out, outOffset, headDim)
  const [ua, ub, merged] = scratchRows(headDim)
  const normA = loadUnit(a, aOffset, headDim, ua)
  const normB = loadUnit(b, bOffset, headDim, ub)
  if (!Number.isFinite(normA) || !Number.isFinite(normB)) {
    throw new RangeError(`slerp: ${Number.isFinite(normA) ? 'b' : 'a'} contains NaN or an infinite value`)
  }
  const angle = slerpUnit(ua, normA === 0, ub, normB === 0, headDim, t, merged)
  for (let i = 0; i < headDim; i++) out[outOffset + i] = merged[i]!
  return angle
}

function checkSpan(name: string, array: Float32Array, offset: number, headDim: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + headDim > array.length) {
    throw new RangeError(
      `slerp: ${name} needs ${headDim} numbers from offset ${offset}, but has length ${array.length}`,
    )
  }
}
