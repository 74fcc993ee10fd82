import { checkBlock, type QuantizedBlock } from './block.js'

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
  let word = 0
  let left = 0
  let w = 0
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / groupSize) * cols
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
