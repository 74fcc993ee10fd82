import { checkCount, checkLength, checkRange } from './check.js'

/**
 * Rotary inverse frequencies of the Hugging Face Llama convention: `invFreq[i] = 1 / theta^(2i / headDim)`
 * for `i < headDim / 2`.
 *
 * @example
 * ropeInvFreq(4, 10000) // Float32Array [1, 0.01]
 */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) {
    throw new RangeError(`ropeInvFreq: headDim must be a positive even integer, got ${headDim}`)
  }
  if (!(theta > 0) || !Number.isFinite(theta)) {
    throw new RangeError(`ropeInvFreq: theta must be a finite number > 0, got ${theta}`)
  }
  const half = headDim / 2
  const invFreq = new Float32Array(half)
  for (let i = 0; i < half; i++) invFreq[i] = 1 / theta ** ((2 * i) / headDim)
  return invFreq
}

/**
 * Rotates one head vector `x[offset, offset + headDim)` in place to `position`, Hugging Face `rotate_half`
 * style: the pair is `(i, i + headDim/2)`, angle `position · invFreq[i]`,
 * `x1' = x1·cos − x2·sin`, `x2' = x2·cos + x1·sin`. Angles and products are computed in float64.
 * Negative positions rotate backwards (re-assigning cache positions).
 *
 * @example
 * const invFreq = ropeInvFreq(64, 10000)
 * applyRope(query, 0, 64, 17, invFreq) // query rotated to position 17
 */
export function applyRope(
  x: Float32Array,
  offset: number,
  headDim: number,
  position: number,
  invFreq: Float32Array,
): void {
  checkCount('applyRope', 'headDim', headDim)
  if (headDim % 2 !== 0) throw new RangeError(`applyRope: headDim must be even, got ${headDim}`)
  if (!Number.isFinite(position)) throw new RangeError(`applyRope: position must be finite, got ${position}`)
  checkRange('applyRope', 'x', x, offset, headDim)
  const half = headDim / 2
  checkLength('applyRope', 'invFreq', invFreq, half, 'headDim/2')
  for (let i = 0; i < half; i++) {
    const angle = position * invFreq[i]!
    const cos = Math.cos(angle)
    const sin = Math.sin(angle)
    const x1 = x[offset + i]!
    const x2 = x[offset + i + half]!
    x[offset + i] = x1 * cos - x2 * sin
    x[offset + i + half] = x2 * cos + x1 * sin
  }
}
