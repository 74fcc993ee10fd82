import type { QuantizedBlock } from './block.js'
import { scratch64 } from './fused-scratch.js'
import { wordAligned } from './pack-group.js'

// Any bit width and any group size: the reference paths the straight-line kernels are checked against,
// and what runs when codes of a group do not start on a word boundary.

export function dotColumnGroups(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  // rows start on word boundaries: four codes per step, two partial sums
  const aligned = wordAligned(bits, cols)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  const qs = scratch64(cols)
  let word = 0
  let left = 0
  let w = 0
  for (let r0 = 0, g = 0; r0 < rows; r0 += groupSize, g++) {
    const r1 = Math.min(rows, r0 + groupSize)
    let bias = 0
    for (let c = 0, s = g * cols; c < cols; c++, s++) {
      qs[c] = query[c]! * scales[s]!
      bias += query[c]! * mins[s]!
    }
    for (let r = r0; r < r1; r++) {
      let sum = 0
      if (aligned) {
        let sum2 = 0
        for (let c = 0; c < cols; ) {
          word = codes[w++]!
          for (let k = 0; k < perWord; k += 4, c += 4, word >>>= b4) {
            sum += qs[c]! * (word & mask) + qs[c + 1]! * ((word >>> bits) & mask)
            sum2 += qs[c + 2]! * ((word >>> b2) & mask) + qs[c + 3]! * ((word >>> b3) & mask)
          }
        }
        out[outOffset + r] = sum + sum2 + bias
        continue
      }
      for (let c = 0; c < cols; c++) {
        if (left === 0) {
          word = codes[w++]!
          left = perWord
        }
        sum += qs[c]! * (word & mask)
        word >>>= bits
        left--
      }
      out[outOffset + r] = sum + bias
    }
  }
}

export function dotRowGroups(
  q: QuantizedBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  const groups = Math.ceil(cols / groupSize)
  const querySums = scratch64(groups)
  for (let g = 0; g < groups; g++) {
    let sum = 0
    for (let c = g * groupSize, end = Math.min(cols, c + groupSize); c < end; c++) sum += query[c]!
    querySums[g] = sum
  }
  // every group starts on a word boundary: four codes per step
  const aligned = wordAligned(bits, cols, groupSize)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  let word = 0
  let left = 0
  let w = 0
  let s = 0
  for (let r = 0; r < rows; r++) {
    let total = 0
    for (let g = 0; g < groups; g++, s++) {
      let sum = 0
      if (aligned) {
        for (let c = g * groupSize, end = Math.min(cols, c + groupSize); c < end; ) {
          word = codes[w++]!
          for (let k = 0; k < perWord; k += 4, c += 4, word >>>= b4) {
            sum +=
              query[c]! * (word & mask) +
              query[c + 1]! * ((word >>> bits) & mask) +
              query[c + 2]! * ((word >>> b2) & mask) +
              query[c + 3]! * ((word >>> b3) & mask)
          }
        }
        total += scales[s]! * sum + mins[s]! * querySums[g]!
        continue
      }
      for (let c = g * groupSize, end = Math.min(cols, c + groupSize); c < end; c++) {
        if (left === 0) {
          word = codes[w++]!
          left = perWord
        }
        sum += query[c]! * (word & mask)
        word >>>= bits
        left--
      }
      total += scales[s]! * sum + mins[s]! * querySums[g]!
    }
    out[outOffset + r] = total
  }
}

export function accumulateRowGroups(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  // every group starts on a word boundary: four codes per step
  const aligned = wordAligned(bits, cols, groupSize)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  const acc = scratch64(cols)
  acc.fill(0, 0, cols)
  let word = 0
  let left = 0
  let w = 0
  let s = 0
  for (let r = 0; r < rows; r++) {
    const weight = weights[offset + r]!
    for (let start = 0; start < cols; start += groupSize, s++) {
      const end = Math.min(cols, start + groupSize)
      const ws = weight * scales[s]!
      const wm = weight * mins[s]!
      if (aligned) {
        for (let c = start; c < end; ) {
          word = codes[w++]!
          for (let k = 0; k < perWord; k += 4, c += 4, word >>>= b4) {
            acc[c]! += ws * (word & mask) + wm
            acc[c + 1]! += ws * ((word >>> bits) & mask) + wm
            acc[c + 2]! += ws * ((word >>> b2) & mask) + wm
            acc[c + 3]! += ws * ((word >>> b3) & mask) + wm
          }
        }
        continue
      }
      for (let c = start; c < end; c++) {
        if (left === 0) {
          word = codes[w++]!
          left = perWord
        }
        acc[c]! += ws * (word & mask) + wm
        word >>>= bits
        left--
      }
    }
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
}

export function accumulateColumnGroups(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  const buffer = scratch64(2 * cols)
  const codeSums = buffer.subarray(0, cols)
  const acc = buffer.subarray(cols, 2 * cols)
  acc.fill(0)
  let word = 0
  let left = 0
  let w = 0
  for (let r0 = 0, g = 0; r0 < rows; r0 += groupSize, g++) {
    const r1 = Math.min(rows, r0 + groupSize)
    codeSums.fill(0)
    let weightSum = 0
    for (let r = r0; r < r1; r++) {
      const weight = weights[offset + r]!
      weightSum += weight
      for (let c = 0; c < cols; c++) {
        if (left === 0) {
          word = codes[w++]!
          left = perWord
        }
        codeSums[c]! += weight * (word & mask)
        word >>>= bits
        left--
      }
    }
    for (let c = 0, s = g * cols; c < cols; c++, s++)
      acc[c]! += scales[s]! * codeSums[c]! + mins[s]! * weightSum
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
}
