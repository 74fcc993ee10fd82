import type { QuantizedBlock } from './block.js'
import { foldRowWeights, scratch64 } from './fused-scratch.js'
import { copyCodes, fusedKernel, reserveBytes } from './fused-wasm.js'

/**
 * {@link QuantizedBlock} `row` accumulate for 4-bit or 2-bit codes (`cols` and `groupSize` whole words) with
 * the SIMD column sums: the codes are copied into the module's memory (1 KiB for 32 tokens × 64 4-bit
 * channels), the weights folded into the scales there. Returns false (and does nothing) without SIMD.
 */
export function simdAccumulateRow(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): boolean {
  const k = fusedKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes } = q
  const perWord = 32 / bits
  const wpr = cols / perWord
  const groups = Math.ceil(cols / groupSize)
  const wsAt = (rows * wpr + 1) >> 1
  const minsAt = wsAt + rows * groups
  const outAt = minsAt + groups
  reserveBytes(k, (outAt + cols) * 8)
  copyCodes(k, codes, rows * wpr)
  const doubles = foldRowWeights(q, weights, offset, groups, k.doubles, wsAt)
  const sums = bits === 4 ? k.sums4 : k.sums2
  sums(0, rows, wpr, wsAt * 8, groups * 8, groupSize / perWord, outAt * 8)
  for (let g = 0, c = 0; g < groups; g++) {
    const m = doubles[minsAt + g]!
    for (const end = Math.min(cols, c + groupSize); c < end; c++) out[c]! += doubles[outAt + c]! + m
  }
  return true
}

/**
 * {@link QuantizedBlock} `column` accumulate for 4-bit or 2-bit codes (`cols` whole words) with the SIMD
 * column sums, one call per group of rows, then one scale and `min · Σ weight` per column. Returns false
 * (and does nothing) without SIMD.
 */
export function simdAccumulateColumn(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): boolean {
  const k = fusedKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const wpr = cols / (32 / bits)
  const wsAt = (rows * wpr + 1) >> 1
  const outAt = wsAt + Math.min(rows, groupSize)
  reserveBytes(k, (outAt + cols) * 8)
  copyCodes(k, codes, rows * wpr)
  const doubles = k.doubles
  const sums = bits === 4 ? k.sums4 : k.sums2
  const single = rows <= groupSize
  const acc = single ? doubles : scratch64(cols).fill(0, 0, cols)
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let wsum = 0
    for (let t = r0; t < r1; t++) {
      const w = weights[offset + t]!
      doubles[wsAt + t - r0] = w
      wsum += w
    }
    sums(r0 * wpr * 4, r1 - r0, wpr, wsAt * 8, 8, wpr, outAt * 8)
    if (single) {
      for (let c = 0; c < cols; c++) out[c]! += scales[c]! * doubles[outAt + c]! + mins[c]! * wsum
      return true
    }
    for (let c = 0; c < cols; c++) acc[c]! += scales[s0 + c]! * doubles[outAt + c]! + mins[s0 + c]! * wsum
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
  return true
}
