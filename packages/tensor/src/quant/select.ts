import { checkBlock, type QuantizedBlock } from './block.js'

/**
 * The block restricted to rows `keep` (ascending, distinct), without re-quantizing: codes of the kept rows
 * are repacked and, for per-token (`row`) blocks, their scales and mins kept. A per-channel (`column`)
 * block must hold a single group of rows (`rows ≤ groupSize`), whose scales and mins every kept row
 * shares; split larger per-channel blocks into groups first.
 *
 * @example
 * const q = quantizeAffine(keys, 32, 64, { bits: 4, groupSize: 32, axis: 'column' })
 * selectQuantizedRows(q, new Int32Array([0, 5, 31])).rows // 3
 */
export function selectQuantizedRows(q: QuantizedBlock, keep: Int32Array): QuantizedBlock {
  checkBlock('selectQuantizedRows', q)
  const { rows, cols, bits, groupSize, axis } = q
  for (let i = 0; i < keep.length; i++) {
    const r = keep[i]!
    if (!Number.isInteger(r) || r < 0 || r >= rows || (i > 0 && r <= keep[i - 1]!)) {
      throw new RangeError(`selectQuantizedRows: keep[${i}] = ${r} is not ascending within [0, ${rows})`)
    }
  }
  if (axis === 'column' && rows > groupSize) {
    throw new RangeError(
      `selectQuantizedRows: a per-channel block of ${rows} rows spans several groups of ${groupSize}; split it first`,
    )
  }
  const kept = keep.length
  const perWord = Math.floor(32 / bits)
  const mask = (1 << bits) - 1
  const codes = new Uint32Array(Math.ceil((kept * cols) / perWord))
  let target = 0
  for (let i = 0; i < kept; i++) {
    let source = keep[i]! * cols
    for (let c = 0; c < cols; c++, source++, target++) {
      const code = (q.codes[(source / perWord) | 0]! >>> ((source % perWord) * bits)) & mask
      codes[(target / perWord) | 0]! |= code << ((target % perWord) * bits)
    }
  }
  if (axis === 'column') {
    const n = kept > 0 ? cols : 0
    return {
      rows: kept,
      cols,
      bits,
      groupSize,
      axis,
      codes,
      scales: q.scales.slice(0, n),
      mins: q.mins.slice(0, n),
    }
  }
  const groups = Math.ceil(cols / groupSize)
  const scales = new Float32Array(kept * groups)
  const mins = new Float32Array(kept * groups)
  for (let i = 0; i < kept; i++) {
    const from = keep[i]! * groups
    scales.set(q.scales.subarray(from, from + groups), i * groups)
    mins.set(q.mins.subarray(from, from + groups), i * groups)
  }
  return { rows: kept, cols, bits, groupSize, axis, codes, scales, mins }
}
