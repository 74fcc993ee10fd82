import { checkBlock, type QuantizedBlock } from './block.js'

let scratch = new Float64Array(0)

function work(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(size)
  return scratch
}

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
  if (q.axis === 'column') dotColumnGroups(q, query, out, outOffset)
  else dotRowGroups(q, query, out, outOffset)
}

function dotColumnGroups(q: QuantizedBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  // rows start on word boundaries: four codes per step, two partial sums
  const aligned = perWord % 4 === 0 && cols % perWord === 0
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  const qs = work(cols)
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

function dotRowGroups(q: QuantizedBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  const groups = Math.ceil(cols / groupSize)
  const querySums = work(groups)
  for (let g = 0; g < groups; g++) {
    let sum = 0
    for (let c = g * groupSize, end = Math.min(cols, c + groupSize); c < end; c++) sum += query[c]!
    querySums[g] = sum
  }
  // every group starts on a word boundary: four codes per step
  const aligned = perWord % 4 === 0 && cols % perWord === 0 && groupSize % perWord === 0
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
  if (q.axis === 'row') accumulateRowGroups(q, weights, weightOffset, out)
  else accumulateColumnGroups(q, weights, weightOffset, out)
}

function accumulateRowGroups(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  // every group starts on a word boundary: four codes per step
  const aligned = perWord % 4 === 0 && cols % perWord === 0 && groupSize % perWord === 0
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  const acc = work(cols)
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

function accumulateColumnGroups(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): void {
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const mask = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  const buffer = work(2 * cols)
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
