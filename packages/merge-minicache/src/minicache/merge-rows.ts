import { checkOptionKeys } from '@kv/tensor'
import type { MergedRows } from '@kv/tensor/contracts'
import { loadUnit, scratchRows } from '../slerp/scratch.js'
import { slerpUnit } from '../slerp/slerp-kernel.js'
import {
  checkInteger,
  checkInterpolation,
  checkRetain,
  DEFAULT_RETAIN,
  DEFAULT_T,
  type MergeRowsOptions,
} from './options.js'
import { largestRows, retainedCount } from './retention.js'

/**
 * Merges the states of the same `tokens` in two adjacent layers (MiniCache): for each row, the magnitudes
 * `‖a‖`, `‖b‖` are kept and the two unit directions are replaced by their SLERP at `t`. The
 * `round(retain · tokens)` rows whose directions are farthest apart (largest angle, ties to the lower row)
 * are listed in `retained`, ascending; the caller keeps those rows unmerged (their `direction` is still the
 * SLERP, so `restoreRow` gives the merged approximation for them too).
 *
 * Error of a merged row: with θ the angle between its two directions, the restored vectors are off by
 * exactly `‖a‖ · 2 sin(tθ/2)` and `‖b‖ · 2 sin((1 − t)θ/2)` (plus float32 rounding); magnitudes are exact.
 * A zero row has no direction: its angle counts as 0 and the direction is the other layer's (lossless).
 *
 * @param rowsA `[tokens, headDim]` states of the lower layer
 * @param rowsB `[tokens, headDim]` states of the upper layer, same token positions
 * @example
 * const a = Float32Array.of(3, 0, 0, 2) // two tokens, headDim 2
 * const b = Float32Array.of(0, 4, 0, 1)
 * const merged = mergeRows(a, b, 2, 2, { t: 0.5, retain: 0 })
 * merged.magnitudeA // [3, 2]; merged.direction row 0 ≈ [0.7071, 0.7071], row 1 = [0, 1]
 */
export function mergeRows(
  rowsA: Float32Array,
  rowsB: Float32Array,
  tokens: number,
  headDim: number,
  options: MergeRowsOptions = {},
): MergedRows {
  checkOptionKeys('mergeRows', options, ['t', 'retain'])
  const t = options.t ?? DEFAULT_T
  const retain = options.retain ?? DEFAULT_RETAIN
  checkInterpolation('mergeRows', t)
  checkRetain('mergeRows', retain)
  checkInteger('mergeRows', 'tokens', tokens, 0)
  checkInteger('mergeRows', 'headDim', headDim, 1)
  const size = tokens * headDim
  if (rowsA.length < size || rowsB.length < size) {
    const [name, length] = rowsA.length < size ? ['rowsA', rowsA.length] : ['rowsB', rowsB.length]
    throw new RangeError(
      `mergeRows: ${name} has length ${length}, needs tokens × headDim = ${tokens} × ${headDim} = ${size}`,
    )
  }
  const direction = new Float32Array(size)
  const magnitudeA = new Float32Array(tokens)
  const magnitudeB = new Float32Array(tokens)
  const angles = new Float64Array(tokens)
  const [ua, ub, merged] = scratchRows(headDim)
  for (let row = 0; row < tokens; row++) {
    const offset = row * headDim
    const normA = loadUnit(rowsA, offset, headDim, ua)
    const normB = loadUnit(rowsB, offset, headDim, ub)
    magnitudeA[row] = normA
    magnitudeB[row] = normB
    if (!Number.isFinite(magnitudeA[row]!) || !Number.isFinite(magnitudeB[row]!)) {
      // NaN or ±Infinity in the row, or a norm beyond float32 range (entries near 3.4e38).
      const name = Number.isFinite(magnitudeA[row]!) ? 'rowsB' : 'rowsA'
      throw new RangeError(`mergeRows: ${name} row ${row} has a non-finite value or a norm beyond float32`)
    }
    angles[row] = slerpUnit(ua, normA === 0, ub, normB === 0, headDim, t, merged)
    for (let i = 0; i < headDim; i++) direction[offset + i] = merged[i]!
  }
  const retained = largestRows(angles, retainedCount(retain, tokens))
  return { direction, magnitudeA, magnitudeB, retained }
}

/**
 * Restores row `row` of layer `'a'` or `'b'` from merged rows: `direction[row] · magnitude[row]`, written to
 * `out` from `outOffset`. Computed in float64 and rounded once, so `‖out‖` equals the stored magnitude
 * within float32 rounding. Rows listed in `merged.retained` are not special here: the cache restores those
 * from the unmerged copy it keeps; calling this for them gives the merged approximation.
 *
 * @example
 * const merged = mergeRows(Float32Array.of(3, 0), Float32Array.of(0, 4), 1, 2, { t: 0.5, retain: 0 })
 * const out = new Float32Array(2)
 * restoreRow(merged, 'b', 0, out) // out ≈ [2.828, 2.828], ‖out‖ = 4
 */
export function restoreRow(
  merged: MergedRows,
  layer: 'a' | 'b',
  row: number,
  out: Float32Array,
  outOffset = 0,
): void {
  if (layer !== 'a' && layer !== 'b') {
    throw new TypeError(`restoreRow: layer must be 'a' or 'b', got ${String(layer)}`)
  }
  const tokens = merged.magnitudeA.length
  if (!Number.isInteger(row) || row < 0 || row >= tokens) {
    throw new RangeError(`restoreRow: row must be an integer in [0, ${tokens}), got ${String(row)}`)
  }
  const headDim = merged.direction.length / tokens
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + headDim > out.length) {
    throw new RangeError(
      `restoreRow: out needs ${headDim} numbers from offset ${outOffset}, but has length ${out.length}`,
    )
  }
  const magnitude = (layer === 'a' ? merged.magnitudeA : merged.magnitudeB)[row]!
  const offset = row * headDim
  for (let i = 0; i < headDim; i++) out[outOffset + i] = merged.direction[offset + i]! * magnitude
}
