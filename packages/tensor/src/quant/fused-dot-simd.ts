import type { QuantizedBlock } from './block.js'
import { copyCodes, fusedKernel, reserveBytes } from './fused-wasm.js'

/**
 * Place value of each i32 lane in the kernel, by column mod 4: the kernel shifts a word right by whole bytes
 * before masking, so lane j of every four holds `code · 2^(bits·j)`.
 */
const LANE_UNIT4 = new Float64Array([1, 2 ** -4, 2 ** -8, 2 ** -12])
const LANE_UNIT2 = new Float64Array([1, 2 ** -2, 2 ** -4, 2 ** -6])

/**
 * {@link QuantizedBlock} `column` dot for 4-bit or 2-bit codes (`cols` whole words) with the SIMD row dots:
 * per group of rows, `query · scale` (divided by the lane's place value) and `Σ query · min` in JS, the
 * dots in the module. Returns false (and does nothing) without SIMD.
 *
 * @example
 * if (!simdDotColumn(q, query, scores, 0)) dotColumn4(q, query, scores, 0)
 */
export function simdDotColumn(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): boolean {
  const k = fusedKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const wpr = cols / (32 / bits)
  const qsAt = (rows * wpr + 1) >> 1
  const dotsAt = qsAt + cols
  reserveBytes(k, (dotsAt + Math.min(rows, groupSize)) * 8)
  copyCodes(k, codes, rows * wpr)
  const d = k.doubles
  const unit = bits === 4 ? LANE_UNIT4 : LANE_UNIT2
  const dots = bits === 4 ? k.dots4 : k.dots2
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let bias = 0
    for (let c = 0; c < cols; c++) {
      const x = query[c]!
      d[qsAt + c] = x * scales[s0 + c]! * unit[c & 3]!
      bias += x * mins[s0 + c]!
    }
    dots(r0 * wpr * 4, r1 - r0, wpr, qsAt * 8, wpr, dotsAt * 8)
    for (let r = r0; r < r1; r++) out[outOffset + r] = d[dotsAt + r - r0]! + bias
  }
  return true
}

/**
 * {@link QuantizedBlock} `row` dot for 4-bit or 2-bit codes (`cols` and `groupSize` whole words) with the
 * SIMD row dots, one per group of a row, then one scale and `min · Σ query` per group. Returns false (and
 * does nothing) without SIMD.
 *
 * @example
 * if (!simdDotRow(q, query, scores, 0)) dotRow4(q, query, scores, 0)
 */
export function simdDotRow(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): boolean {
  const k = fusedKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const perWord = 32 / bits
  const wpr = cols / perWord
  const groups = Math.ceil(cols / groupSize)
  const qsAt = (rows * wpr + 1) >> 1
  const sumsAt = qsAt + cols
  const dotsAt = sumsAt + groups
  reserveBytes(k, (dotsAt + rows * groups) * 8)
  copyCodes(k, codes, rows * wpr)
  const d = k.doubles
  const unit = bits === 4 ? LANE_UNIT4 : LANE_UNIT2
  for (let g = 0, c = 0; g < groups; g++) {
    let sum = 0
    for (const end = Math.min(cols, c + groupSize); c < end; c++) {
      const x = query[c]!
      d[qsAt + c] = x * unit[c & 3]!
      sum += x
    }
    d[sumsAt + g] = sum
  }
  const dots = bits === 4 ? k.dots4 : k.dots2
  dots(0, rows, wpr, qsAt * 8, groupSize / perWord, dotsAt * 8)
  for (let r = 0, s = 0; r < rows; r++) {
    let total = 0
    for (let g = 0; g < groups; g++, s++) total += scales[s]! * d[dotsAt + s]! + mins[s]! * d[sumsAt + g]!
    out[outOffset + r] = total
  }
  return true
}
