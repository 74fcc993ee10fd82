import type { QuantizedBlock } from './block.js'
import { foldRowWeights, scratch64 } from './fused-scratch.js'

// Straight-line dequantize-accumulate for 2-bit codes whose rows (and, per token, groups) start
// on word boundaries. A pass takes 8 columns (half a word: 16 sums would not fit the registers) and keeps their sums in
// locals while it walks down the tokens two at a time, as the runtime's float32 loop does. A code is read
// in place, `word & (mask << bits·j)` = `code · 2^(bits·j)`, and each sum is scaled back once at the end
// (by a power of two: exact).

/**
 * Per-token (axis `row`) accumulate for 2-bit codes, `cols` and `groupSize` multiples of 16: the weight is
 * folded into each group's scale once, and `Σ_t weight · min` per group is added after the column sums.
 */
export function accumulateRow2(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, groupSize, codes } = q
  const wpr = cols >>> 4
  const wpr2 = 2 * wpr
  const groups = Math.ceil(cols / groupSize)
  const groups2 = 2 * groups
  const n = rows * groups
  const ws = foldRowWeights(q, weights, offset, groups, scratch64(n + groups), 0)
  for (let k = 0, c = 0; k < wpr; k++, c += 16) {
    const g = Math.floor(c / groupSize)
    {
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
        a0 += w * (x & 0x3) + v * (y & 0x3)
        a1 += w * (x & 0xc) + v * (y & 0xc)
        a2 += w * (x & 0x30) + v * (y & 0x30)
        a3 += w * (x & 0xc0) + v * (y & 0xc0)
        a4 += w * (x & 0x300) + v * (y & 0x300)
        a5 += w * (x & 0xc00) + v * (y & 0xc00)
        a6 += w * (x & 0x3000) + v * (y & 0x3000)
        a7 += w * (x & 0xc000) + v * (y & 0xc000)
      }
      if (t < rows) {
        const x = codes[i]!
        const w = ws[t * groups + g]!
        a0 += w * (x & 0x3)
        a1 += w * (x & 0xc)
        a2 += w * (x & 0x30)
        a3 += w * (x & 0xc0)
        a4 += w * (x & 0x300)
        a5 += w * (x & 0xc00)
        a6 += w * (x & 0x3000)
        a7 += w * (x & 0xc000)
      }
      const m = ws[n + g]!
      out[c]! += a0 + m
      out[c + 1]! += a1 / 4 + m
      out[c + 2]! += a2 / 16 + m
      out[c + 3]! += a3 / 64 + m
      out[c + 4]! += a4 / 256 + m
      out[c + 5]! += a5 / 1024 + m
      out[c + 6]! += a6 / 4096 + m
      out[c + 7]! += a7 / 16384 + m
    }
    {
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
        a0 += w * (x & 0x30000) + v * (y & 0x30000)
        a1 += w * (x & 0xc0000) + v * (y & 0xc0000)
        a2 += w * (x & 0x300000) + v * (y & 0x300000)
        a3 += w * (x & 0xc00000) + v * (y & 0xc00000)
        a4 += w * (x & 0x3000000) + v * (y & 0x3000000)
        a5 += w * (x & 0xc000000) + v * (y & 0xc000000)
        a6 += w * (x & 0x30000000) + v * (y & 0x30000000)
        a7 += w * (x >>> 30) + v * (y >>> 30)
      }
      if (t < rows) {
        const x = codes[i]!
        const w = ws[t * groups + g]!
        a0 += w * (x & 0x30000)
        a1 += w * (x & 0xc0000)
        a2 += w * (x & 0x300000)
        a3 += w * (x & 0xc00000)
        a4 += w * (x & 0x3000000)
        a5 += w * (x & 0xc000000)
        a6 += w * (x & 0x30000000)
        a7 += w * (x >>> 30)
      }
      const m = ws[n + g]!
      out[c + 8]! += a0 / 65536 + m
      out[c + 9]! += a1 / 262144 + m
      out[c + 10]! += a2 / 1048576 + m
      out[c + 11]! += a3 / 4194304 + m
      out[c + 12]! += a4 / 16777216 + m
      out[c + 13]! += a5 / 67108864 + m
      out[c + 14]! += a6 / 268435456 + m
      out[c + 15]! += a7 + m
    }
  }
}

/**
 * Per-channel (axis `column`) accumulate for 2-bit codes, `cols` a multiple of 16: per group of rows,
 * `Σ_t weight · code` per column, then one scale and `min · Σ_t weight` per column, summed in float64.
 */
export function accumulateColumn2(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, groupSize, codes, scales, mins } = q
  const wpr = cols >>> 4
  const wpr2 = 2 * wpr
  const acc = scratch64(cols)
  acc.fill(0, 0, cols)
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let wsum = 0
    for (let t = r0; t < r1; t++) wsum += weights[offset + t]!
    for (let k = 0, c = 0, s = s0; k < wpr; k++, c += 16, s += 16) {
      {
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
          a0 += w * (x & 0x3) + v * (y & 0x3)
          a1 += w * (x & 0xc) + v * (y & 0xc)
          a2 += w * (x & 0x30) + v * (y & 0x30)
          a3 += w * (x & 0xc0) + v * (y & 0xc0)
          a4 += w * (x & 0x300) + v * (y & 0x300)
          a5 += w * (x & 0xc00) + v * (y & 0xc00)
          a6 += w * (x & 0x3000) + v * (y & 0x3000)
          a7 += w * (x & 0xc000) + v * (y & 0xc000)
        }
        if (t < r1) {
          const x = codes[i]!
          const w = weights[offset + t]!
          a0 += w * (x & 0x3)
          a1 += w * (x & 0xc)
          a2 += w * (x & 0x30)
          a3 += w * (x & 0xc0)
          a4 += w * (x & 0x300)
          a5 += w * (x & 0xc00)
          a6 += w * (x & 0x3000)
          a7 += w * (x & 0xc000)
        }
        acc[c]! += scales[s]! * a0 + mins[s]! * wsum
        acc[c + 1]! += scales[s + 1]! * (a1 / 4) + mins[s + 1]! * wsum
        acc[c + 2]! += scales[s + 2]! * (a2 / 16) + mins[s + 2]! * wsum
        acc[c + 3]! += scales[s + 3]! * (a3 / 64) + mins[s + 3]! * wsum
        acc[c + 4]! += scales[s + 4]! * (a4 / 256) + mins[s + 4]! * wsum
        acc[c + 5]! += scales[s + 5]! * (a5 / 1024) + mins[s + 5]! * wsum
        acc[c + 6]! += scales[s + 6]! * (a6 / 4096) + mins[s + 6]! * wsum
        acc[c + 7]! += scales[s + 7]! * (a7 / 16384) + mins[s + 7]! * wsum
      }
      {
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
          a0 += w * (x & 0x30000) + v * (y & 0x30000)
          a1 += w * (x & 0xc0000) + v * (y & 0xc0000)
          a2 += w * (x & 0x300000) + v * (y & 0x300000)
          a3 += w * (x & 0xc00000) + v * (y & 0xc00000)
          a4 += w * (x & 0x3000000) + v * (y & 0x3000000)
          a5 += w * (x & 0xc000000) + v * (y & 0xc000000)
          a6 += w * (x & 0x30000000) + v * (y & 0x30000000)
          a7 += w * (x >>> 30) + v * (y >>> 30)
        }
        if (t < r1) {
          const x = codes[i]!
          const w = weights[offset + t]!
          a0 += w * (x & 0x30000)
          a1 += w * (x & 0xc0000)
          a2 += w * (x & 0x300000)
          a3 += w * (x & 0xc00000)
          a4 += w * (x & 0x3000000)
          a5 += w * (x & 0xc000000)
          a6 += w * (x & 0x30000000)
          a7 += w * (x >>> 30)
        }
        acc[c + 8]! += scales[s + 8]! * (a0 / 65536) + mins[s + 8]! * wsum
        acc[c + 9]! += scales[s + 9]! * (a1 / 262144) + mins[s + 9]! * wsum
        acc[c + 10]! += scales[s + 10]! * (a2 / 1048576) + mins[s + 10]! * wsum
        acc[c + 11]! += scales[s + 11]! * (a3 / 4194304) + mins[s + 11]! * wsum
        acc[c + 12]! += scales[s + 12]! * (a4 / 16777216) + mins[s + 12]! * wsum
        acc[c + 13]! += scales[s + 13]! * (a5 / 67108864) + mins[s + 13]! * wsum
        acc[c + 14]! += scales[s + 14]! * (a6 / 268435456) + mins[s + 14]! * wsum
        acc[c + 15]! += scales[s + 15]! * a7 + mins[s + 15]! * wsum
      }
    }
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
}
