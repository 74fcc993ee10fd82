import { checkRange } from './check.js'

/**
 * Numerically stable softmax of `x[offset, offset + length)` in place; returns the log-sum-exp of the
 * original entries (what a later merge of partial softmaxes needs). The maximum is subtracted first, so
 * entries of ±1e30 and `-Infinity` masks are exact: masked entries become 0.
 *
 * Refused, before anything is written: an empty range, a NaN or `+Infinity` entry (named by index), and a
 * row whose entries are all `-Infinity` (no distribution exists; a caller that masks everything must decide
 * what attention over nothing means).
 *
 * @example
 * const scores = new Float32Array([1, 2, Number.NEGATIVE_INFINITY])
 * const lse = softmax(scores) // scores ≈ [0.269, 0.731, 0], lse ≈ 2.313
 */
export function softmax(x: Float32Array, offset = 0, length: number = x.length - offset): number {
  checkRange('softmax', 'x', x, offset, length)
  if (length === 0) throw new RangeError(`softmax: length must be at least 1, got ${length}`)
  const end = offset + length
  let max = Number.NEGATIVE_INFINITY
  for (let i = offset; i < end; i++) {
    const v = x[i]!
    if (v > max) max = v
    else if (Number.isNaN(v)) throw new RangeError(`softmax: x[${i}] is NaN`)
  }
  if (max === Number.POSITIVE_INFINITY) {
    throw new RangeError(`softmax: x[${x.indexOf(max, offset)}] is Infinity`)
  }
  if (max === Number.NEGATIVE_INFINITY) {
    throw new RangeError(`softmax: every entry of x[${offset}, ${end}) is -Infinity`)
  }
  let sum = 0
  for (let i = offset; i < end; i++) {
    const e = Math.exp(x[i]! - max)
    x[i] = e
    sum += e
  }
  const scale = 1 / sum
  for (let i = offset; i < end; i++) x[i] = x[i]! * scale
  return max + Math.log(sum)
}
