import type { QuantizedBlock } from './block.js'
import { foldRowWeights, scratch64 } from './fused-scratch.js'

// Straight-line dequantize-accumulate for 4-bit codes whose rows (and, per token, groups) start
// on word boundaries. A pass takes the 8 columns of one word and keeps their sums in
// locals while it walks down the tokens two at a time, as the runtime's float32 loop does. A code is read
// in place, `word & (mask << bits·j)` = `code · 2^(bits·j)`, and each sum is scaled back once at the end
// (by a power of two: exact).

/**
 * Per-token (axis `row`) accumulate for 4-bit codes, `cols` and `groupSize` multiples of 8: the weight is
 * folded into each group's scale once, and `Σ_t weight · min` per group is added after the column sums.
 */
export function accumulateRow4(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, groupSize, codes } = q
  const wpr = cols >>> 3
  const wpr2 = 2 * wpr
  const groups = Math.ceil(cols / groupSize)
  const groups2 = 2 * groups
  const n = rows * groups
  const ws = foldRowWeights(q, weights, offset, groups, scratch64(n + groups), 0)
  for (let k = 0, c = 0; k < wpr; k++, c += 8) {
    const g = Math.floor(c / groupSize)
    let a0 = 0
    let a1 = 0
    let a2 = 0
    let a3 = 0
    let a4 = 0
    let a5 = 0
    let a6 = 0
    let a7 = 0
    let t = 0
    let i = k
    for (let s = g; t + 1 < rows; t += 2, i += wpr2, s += groups2) {
      const x = codes[i]!
      const y = codes[i + wpr]!
      const w = ws[s]!
      const v = ws[s + groups]!
      a0 += w * (x & 0xf) + v * (y & 0xf)
      a1 += w * (x & 0xf0) + v * (y & 0xf0)
      a2 += w * (x & 0xf00) + v * (y & 0xf00)
      a3 += w * (x & 0xf000) + v * (y & 0xf000)
      a4 += w * (x & 0xf0000) + v * (y & 0xf0000)
      a5 += w * (x & 0xf00000) + v * (y & 0xf00000)
      a6 += w * (x & 0xf000000) + v * (y & 0xf000000)
      a7 += w * (x >>> 28) + v * (y >>> 28)
    }
    if (t < rows) {
      const x = codes[i]!
      const w = ws[t * groups + g]!
      a0 += w * (x & 0xf)
      a1 += w * (x & 0xf0)
      a2 += w * (x & 0xf00)
      a3 += w * (x & 0xf000)
      a4 += w * (x & 0xf0000)
      a5 += w * (x & 0xf00000)
      a6 += w * (x & 0xf000000)
      a7 += w * (x >>> 28)
    }
    const m = ws[n + g]!
    out[c]! += a0 + m
    out[c + 1]! += a1 / 16 + m
    out[c + 2]! += a2 / 256 + m
    out[c + 3]! += a3 / 4096 + m
    out[c + 4]! += a4 / 65536 + m
    out[c + 5]! += a5 / 1048576 + m
    out[c + 6]! += a6 / 16777216 + m
    out[c + 7]! += a7 + m
  }
}

/**
 * Per-channel (axis `column`) accumulate for 4-bit codes, `cols` a multiple of 8: per group of rows,
 * `Σ_t weight · code` per column, then one scale and `min · Σ_t weight` per column, summed in float64.
 */
export function accumulateColumn4(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, groupSize, codes, scales, mins } = q
  const wpr = cols >>> 3
  const wpr2 = 2 * wpr
  const acc = scratch64(cols)
  acc.fill(0, 0, cols)
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let wsum = 0
    for (let t = r0; t < r1; t++) wsum += weights[offset + t]!
    for (let k = 0, c = 0, s = s0; k < wpr; k++, c += 8, s += 8) {
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let a4 = 0
      let a5 = 0
      let a6 = 0
      let a7 = 0
      let t = r0
      let i = r0 * wpr + k
      for (; t + 1 < r1; t += 2, i += wpr2) {
        const x = codes[i]!
        const y = codes[i + wpr]!
        const w = weights[offset + t]!
        const v = weights[offset + t + 1]!
        a0 += w * (x & 0xf) + v * (y & 0xf)
        a1 += w * (x & 0xf0) + v * (y & 0xf0)
        a2 += w * (x & 0xf00) + v * (y & 0xf00)
        a3 += w * (x & 0xf000) + v * (y & 0xf000)
        a4 += w * (x & 0xf0000) + v * (y & 0xf0000)
        a5 += w * (x & 0xf00000) + v * (y & 0xf00000)
        a6 += w * (x & 0xf000000) + v * (y & 0xf000000)
        a7 += w * (x >>> 28) + v * (y >>> 28)
      }
      if (t < r1) {
        const x = codes[i]!
        const w = weights[offset + t]!
        a0 += w * (x & 0xf)
        a1 += w * (x & 0xf0)
        a2 += w * (x & 0xf00)
        a3 += w * (x & 0xf000)
        a4 += w * (x & 0xf0000)
        a5 += w * (x & 0xf00000)
        a6 += w * (x & 0xf000000)
        a7 += w * (x >>> 28)
      }
      acc[c]! += scales[s]! * a0 + mins[s]! * wsum
      acc[c + 1]! += scales[s + 1]! * (a1 / 16) + mins[s + 1]! * wsum
      acc[c + 2]! += scales[s + 2]! * (a2 / 256) + mins[s + 2]! * wsum
      acc[c + 3]! += scales[s + 3]! * (a3 / 4096) + mins[s + 3]! * wsum
      acc[c + 4]! += scales[s + 4]! * (a4 / 65536) + mins[s + 4]! * wsum
      acc[c + 5]! += scales[s + 5]! * (a5 / 1048576) + mins[s + 5]! * wsum
      acc[c + 6]! += scales[s + 6]! * (a6 / 16777216) + mins[s + 6]! * wsum
      acc[c + 7]! += scales[s + 7]! * a7 + mins[s + 7]! * wsum
    }
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
}
