import type { QuantizedBlock } from './block.js'
import { scratch64, slotUnits } from './fused-scratch.js'

// Straight-line dequantize-dot for 4-bit codes whose rows (and, per token, groups) start on word
// boundaries. A code is read in place, `word & (mask << bits·j)` = `code · 2^(bits·j)`, and the query
// entry it meets is pre-divided by that power of two (exact), which saves a shift per code. Two rows per
// pass share every load of the query, with independent sums so the adds do not wait on each other.

const UNIT4 = slotUnits(4)

/** `Σ qs[c] · code` over `words` words from word `from`, columns from `c0`, with four independent sums. */
function dotWords4(codes: Uint32Array, from: number, words: number, qs: Float64Array, c0: number): number {
  let a0 = 0
  let a1 = 0
  let a2 = 0
  let a3 = 0
  for (let i = from, end = from + words, c = c0; i < end; i++, c += 8) {
    const x = codes[i]!
    a0 += qs[c]! * (x & 0xf) + qs[c + 1]! * (x & 0xf0)
    a1 += qs[c + 2]! * (x & 0xf00) + qs[c + 3]! * (x & 0xf000)
    a2 += qs[c + 4]! * (x & 0xf0000) + qs[c + 5]! * (x & 0xf00000)
    a3 += qs[c + 6]! * (x & 0xf000000) + qs[c + 7]! * (x >>> 28)
  }
  return a0 + a1 + a2 + a3
}

/** Rows `r` and `r + 1` against `qs` over words `[i, end)` of row r (row r + 1 is `wpr` words on). */
function dotPair4(
  codes: Uint32Array,
  i: number,
  end: number,
  wpr: number,
  qs: Float64Array,
  c: number,
  sums: Float64Array,
  at: number,
): void {
  let a0 = 0
  let a1 = 0
  let a2 = 0
  let a3 = 0
  let b0 = 0
  let b1 = 0
  let b2 = 0
  let b3 = 0
  for (; i < end; i++, c += 8) {
    const x = codes[i]!
    const y = codes[i + wpr]!
    let k = qs[c]!
    a0 += k * (x & 0xf)
    b0 += k * (y & 0xf)
    k = qs[c + 1]!
    a1 += k * (x & 0xf0)
    b1 += k * (y & 0xf0)
    k = qs[c + 2]!
    a2 += k * (x & 0xf00)
    b2 += k * (y & 0xf00)
    k = qs[c + 3]!
    a3 += k * (x & 0xf000)
    b3 += k * (y & 0xf000)
    k = qs[c + 4]!
    a0 += k * (x & 0xf0000)
    b0 += k * (y & 0xf0000)
    k = qs[c + 5]!
    a1 += k * (x & 0xf00000)
    b1 += k * (y & 0xf00000)
    k = qs[c + 6]!
    a2 += k * (x & 0xf000000)
    b2 += k * (y & 0xf000000)
    k = qs[c + 7]!
    a3 += k * (x >>> 28)
    b3 += k * (y >>> 28)
  }
  sums[at] = a0 + a1 + a2 + a3
  sums[at + 1] = b0 + b1 + b2 + b3
}

/**
 * Per-channel ({@link QuantizedBlock} axis `column`) dot for 4-bit codes, `cols` a multiple of 8: per group
 * of rows, `query · scale` (divided by the slot's place value) and `Σ query · min` once, then two rows a pass.
 */
export function dotColumn4(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { rows, cols, groupSize, codes, scales, mins } = q
  const wpr = cols >>> 3
  const qs = scratch64(cols + 2)
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let bias = 0
    for (let c = 0; c < cols; c++) {
      const x = query[c]!
      qs[c] = x * scales[s0 + c]! * UNIT4[c & 7]!
      bias += x * mins[s0 + c]!
    }
    let r = r0
    for (; r + 1 < r1; r += 2) {
      const i = r * wpr
      dotPair4(codes, i, i + wpr, wpr, qs, 0, qs, cols)
      out[outOffset + r] = qs[cols]! + bias
      out[outOffset + r + 1] = qs[cols + 1]! + bias
    }
    if (r < r1) out[outOffset + r] = dotWords4(codes, r * wpr, wpr, qs, 0) + bias
  }
}

/**
 * Per-token (axis `row`) dot for 4-bit codes, `cols` and `groupSize` multiples of 8: the query (divided by
 * the slot's place value) and its per-group sums once, then two rows a pass, one scale and min per group.
 */
export function dotRow4(q: QuantizedBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
  const { rows, cols, groupSize, codes, scales, mins } = q
  const wpr = cols >>> 3
  const gw = groupSize >>> 3
  const groups = Math.ceil(cols / groupSize)
  const qd = scratch64(cols + groups + 2)
  const pair = cols + groups
  for (let g = 0, c = 0; g < groups; g++) {
    let sum = 0
    for (const end = Math.min(cols, c + groupSize); c < end; c++) {
      const x = query[c]!
      qd[c] = x * UNIT4[c & 7]!
      sum += x
    }
    qd[cols + g] = sum
  }
  let r = 0
  for (; r + 1 < rows; r += 2) {
    let ta = 0
    let tb = 0
    const rowEnd = (r + 1) * wpr
    for (let g = 0, i = r * wpr, s = r * groups; g < groups; g++, i += gw, s++) {
      dotPair4(codes, i, Math.min(rowEnd, i + gw), wpr, qd, g * groupSize, qd, pair)
      const m = qd[cols + g]!
      ta += scales[s]! * qd[pair]! + mins[s]! * m
      tb += scales[s + groups]! * qd[pair + 1]! + mins[s + groups]! * m
    }
    out[outOffset + r] = ta
    out[outOffset + r + 1] = tb
  }
  if (r < rows) {
    let total = 0
    const rowEnd = (r + 1) * wpr
    for (let g = 0, i = r * wpr, s = r * groups; g < groups; g++, i += gw, s++) {
      const sum = dotWords4(codes, i, Math.min(rowEnd, i + gw) - i, qd, g * groupSize)
      total += scales[s]! * sum + mins[s]! * qd[cols + g]!
    }
    out[outOffset + r] = total
  }
}
