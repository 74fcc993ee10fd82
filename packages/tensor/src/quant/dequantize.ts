import { checkBlock, type QuantizedBlock } from './block.js'
import { wordAligned } from './pack-group.js'

/**
 * Reconstructs a block quantized by {@link quantizeAffine} as row-major `[rows, cols]` floats
 * (`min + scale · code`), into `out` when given. Unpacks one word at a time.
 *
 * @example
 * const q = quantizeAffine(values, 16, 64, { bits: 2, groupSize: 32, axis: 'row' })
 * const approx = dequantizeAffine(q, new Float32Array(16 * 64))
 */
export function dequantizeAffine(q: QuantizedBlock, out?: Float32Array): Float32Array {
  checkBlock('dequantizeAffine', q)
  const size = q.rows * q.cols
  if (out !== undefined && out.length < size) {
    throw new RangeError(`dequantizeAffine: out holds ${out.length} floats, block has ${size}`)
  }
  const target = out ?? new Float32Array(size)
  if (q.axis === 'row') dequantizeRowGroups(q, target)
  else dequantizeColumnGroups(q, target)
  return target
}

function dequantizeRowGroups(q: QuantizedBlock, out: Float32Array): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
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
    const rowEnd = (r + 1) * cols
    for (let start = r * cols; start < rowEnd; start += groupSize, s++) {
      const end = Math.min(rowEnd, start + groupSize)
      const scale = scales[s]!
      const min = mins[s]!
      if (aligned) {
        for (let i = start; i < end; ) {
          word = codes[w++]!
          for (let k = 0; k < perWord; k += 4, i += 4, word >>>= b4) {
            out[i] = min + scale * (word & mask)
            out[i + 1] = min + scale * ((word >>> bits) & mask)
            out[i + 2] = min + scale * ((word >>> b2) & mask)
            out[i + 3] = min + scale * ((word >>> b3) & mask)
          }
        }
        continue
      }
      for (let i = start; i < end; i++) {
        if (left === 0) {
          word = codes[w++]!
          left = perWord
        }
        out[i] = min + scale * (word & mask)
        word >>>= bits
        left--
      }
    }
  }
}

function dequantizeColumnGroups(q: QuantizedBlock, out: Float32Array): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  // rows start on word boundaries: four codes per step
  const aligned = wordAligned(bits, cols)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  let word = 0
  let left = 0
  let w = 0
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / groupSize) * cols
    if (aligned) {
      for (let c = 0, i = r * cols, s = base; c < cols; ) {
        word = codes[w++]!
        for (let k = 0; k < perWord; k += 4, c += 4, i += 4, s += 4, word >>>= b4) {
          out[i] = mins[s]! + scales[s]! * (word & mask)
          out[i + 1] = mins[s + 1]! + scales[s + 1]! * ((word >>> bits) & mask)
          out[i + 2] = mins[s + 2]! + scales[s + 2]! * ((word >>> b2) & mask)
          out[i + 3] = mins[s + 3]! + scales[s + 3]! * ((word >>> b3) & mask)
        }
      }
      continue
    }
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      if (left === 0) {
        word = codes[w++]!
        left = perWord
      }
      out[i] = mins[base + c]! + scales[base + c]! * (word & mask)
      word >>>= bits
      left--
    }
  }
}
