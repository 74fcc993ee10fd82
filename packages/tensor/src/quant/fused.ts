import { checkBlock, type QuantizedBlock } from './block.js'
import { accumulateColumn2, accumulateRow2 } from './fused-accumulate-2bit.js'
import { accumulateColumn4, accumulateRow4 } from './fused-accumulate-4bit.js'
import { simdAccumulateColumn, simdAccumulateRow } from './fused-accumulate-simd.js'
import { dotColumn2, dotRow2 } from './fused-dot-2bit.js'
import { dotColumn4, dotRow4 } from './fused-dot-4bit.js'
import { simdDotColumn, simdDotRow } from './fused-dot-simd.js'
import {
  accumulateColumnGroups,
  accumulateRowGroups,
  dotColumnGroups,
  dotRowGroups,
} from './fused-generic.js'

/**
 * Fused dequantize-dot: `out[outOffset + t] = Σ_c query[c] · deq(t, c)` for every row t, without
 * materialising the block. Per-channel (`column`) blocks precompute `query[c] · scale` and
 * `Σ_c query[c] · min` once per group of rows, so a row costs one multiply-add per code.
 *
 * @example
 * const q = quantizeAffine(keys, 32, 64, { bits: 4, groupSize: 32, axis: 'column' })
 * const scores = new Float32Array(32)
 * dequantizeDot(q, query, scores, 0)
 */
export function dequantizeDot(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  checkBlock('dequantizeDot', q)
  if (query.length < q.cols) {
    throw new RangeError(`dequantizeDot: query has ${query.length} entries, block has ${q.cols} columns`)
  }
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + q.rows > out.length) {
    throw new RangeError(
      `dequantizeDot: outOffset ${outOffset} + ${q.rows} rows overruns out of ${out.length}`,
    )
  }
  // 4-bit and 2-bit blocks whose rows (and per-token groups) start on word boundaries take the
  // WebAssembly SIMD kernels, or the JS straight-line ones where SIMD is missing; anything else the
  // general kernels
  const { bits, cols, groupSize } = q
  if (q.axis === 'column') {
    if ((bits === 4 || bits === 2) && (cols & (32 / bits - 1)) === 0) {
      if (simdDotColumn(q, query, out, outOffset)) return
    }
    if (bits === 4 && (cols & 7) === 0) dotColumn4(q, query, out, outOffset)
    else if (bits === 2 && (cols & 15) === 0) dotColumn2(q, query, out, outOffset)
    else dotColumnGroups(q, query, out, outOffset)
  } else if (
    (bits === 4 || bits === 2) &&
    ((cols | groupSize) & (32 / bits - 1)) === 0 &&
    simdDotRow(q, query, out, outOffset)
  ) {
    return
  } else if (bits === 4 && ((cols | groupSize) & 7) === 0) dotRow4(q, query, out, outOffset)
  else if (bits === 2 && ((cols | groupSize) & 15) === 0) dotRow2(q, query, out, outOffset)
  else dotRowGroups(q, query, out, outOffset)
}

/**
 * Fused dequantize-accumulate: `out[c] += Σ_t weights[weightOffset + t] · deq(t, c)`, without
 * materialising the block. Per-token (`row`) blocks fold the weight into each group's scale and min.
 *
 * @example
 * const q = quantizeAffine(values, 32, 64, { bits: 4, groupSize: 32, axis: 'row' })
 * const context = new Float32Array(64)
 * dequantizeAccumulate(q, attention, 0, context)
 */
export function dequantizeAccumulate(
  q: QuantizedBlock,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  checkBlock('dequantizeAccumulate', q)
  if (!Number.isInteger(weightOffset) || weightOffset < 0 || weightOffset + q.rows > weights.length) {
    throw new RangeError(
      `dequantizeAccumulate: weightOffset ${weightOffset} + ${q.rows} rows overruns weights of ${weights.length}`,
    )
  }
  if (out.length < q.cols) {
    throw new RangeError(`dequantizeAccumulate: out has ${out.length} entries, block has ${q.cols} columns`)
  }
  const { bits, cols, groupSize } = q
  if (q.axis === 'row') {
    if ((bits === 4 || bits === 2) && ((cols | groupSize) & (32 / bits - 1)) === 0) {
      if (simdAccumulateRow(q, weights, weightOffset, out)) return
    }
    if (bits === 4 && ((cols | groupSize) & 7) === 0) accumulateRow4(q, weights, weightOffset, out)
    else if (bits === 2 && ((cols | groupSize) & 15) === 0) accumulateRow2(q, weights, weightOffset, out)
    else accumulateRowGroups(q, weights, weightOffset, out)
  } else if (
    (bits === 4 || bits === 2) &&
    (cols & (32 / bits - 1)) === 0 &&
    simdAccumulateColumn(q, weights, weightOffset, out)
  ) {
    return
  } else if (bits === 4 && (cols & 7) === 0) accumulateColumn4(q, weights, weightOffset, out)
  else if (bits === 2 && (cols & 15) === 0) accumulateColumn2(q, weights, weightOffset, out)
  else accumulateColumnGroups(q, weights, weightOffset, out)
}
