import {
  dequantizeAccumulate,
  dequantizeAffine,
  dequantizeDot,
  type QuantAxis,
  type QuantizedBlock,
  quantizeAffine,
  selectQuantizedRows,
} from '@kv/tensor'

/**
 * A `[rows, cols]` matrix quantized in groups: per token (`row`, one block) or per channel (`column`),
 * stored as one block per group of `groupSize` rows so that rows can be dropped exactly (a per-channel
 * group keeps its scales and mins when some of its rows go).
 */
export interface QuantizedMatrix {
  readonly rows: number
  readonly cols: number
  readonly parts: readonly QuantizedBlock[]
}

/** Quantizes `data` (`[rows, cols]`) along `axis` with `bits` and `groupSize`. */
export function quantizeMatrix(
  data: Float32Array,
  rows: number,
  cols: number,
  bits: number,
  groupSize: number,
  axis: QuantAxis,
): QuantizedMatrix {
  if (axis === 'row')
    return { rows, cols, parts: [quantizeAffine(data, rows, cols, { bits, groupSize, axis })] }
  const parts: QuantizedBlock[] = []
  for (let r0 = 0; r0 < rows; r0 += groupSize) {
    const r1 = Math.min(rows, r0 + groupSize)
    parts.push(quantizeAffine(data.subarray(r0 * cols, r1 * cols), r1 - r0, cols, { bits, groupSize, axis }))
  }
  return { rows, cols, parts }
}

/** Writes the dequantized matrix into `out` at `offset` (row-major). */
export function dequantizeMatrix(m: QuantizedMatrix, out: Float32Array, offset = 0): void {
  let at = offset
  for (const part of m.parts) {
    dequantizeAffine(part, out.subarray(at, at + part.rows * part.cols))
    at += part.rows * part.cols
  }
}

/** `out[outOffset + t] = query · row t` for every row. */
export function dotMatrix(
  m: QuantizedMatrix,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  let at = outOffset
  for (const part of m.parts) {
    dequantizeDot(part, query, out, at)
    at += part.rows
  }
}

/** `out += Σ_t weights[weightOffset + t] · row t`. */
export function accumulateMatrix(
  m: QuantizedMatrix,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  let at = weightOffset
  for (const part of m.parts) {
    dequantizeAccumulate(part, weights, at, out)
    at += part.rows
  }
}

/** The rows `keep` (ascending, checked by the caller), without re-quantizing. */
export function selectMatrix(m: QuantizedMatrix, keep: Int32Array): QuantizedMatrix {
  const parts: QuantizedBlock[] = []
  let k = 0
  let start = 0
  for (const part of m.parts) {
    const end = start + part.rows
    const from = k
    while (k < keep.length && keep[k]! < end) k++
    if (k > from) {
      const local = new Int32Array(k - from)
      for (let i = from; i < k; i++) local[i - from] = keep[i]! - start
      parts.push(local.length === part.rows ? part : selectQuantizedRows(part, local))
    }
    start = end
  }
  return { rows: keep.length, cols: m.cols, parts }
}

/**
 * Logical bytes: packed code words (`ceil(count / floor(32 / bits))` words of 4 bytes per part), float32
 * scales and mins, and 4 bytes of shape per part (rows as a 16-bit count and its scale offset).
 */
export function matrixBytes(m: QuantizedMatrix): number {
  let bytes = 0
  for (const part of m.parts)
    bytes += part.codes.byteLength + part.scales.byteLength + part.mins.byteLength + 4
  return bytes
}

/** Bytes of the typed arrays held. */
export function matrixPhysicalBytes(m: QuantizedMatrix): number {
  let bytes = 0
  for (const part of m.parts) bytes += part.codes.byteLength + part.scales.byteLength + part.mins.byteLength
  return bytes
}

/** The dequantized value of element (r, c), read straight from the packed codes. */
export function dequantizedAt(m: QuantizedMatrix, r: number, c: number): number {
  let start = 0
  for (const part of m.parts) {
    if (r < start + part.rows) {
      const local = r - start
      const i = local * part.cols + c
      const perWord = Math.floor(32 / part.bits)
      const code =
        (part.codes[Math.floor(i / perWord)]! >>> ((i % perWord) * part.bits)) & ((1 << part.bits) - 1)
      const s =
        part.axis === 'row'
          ? local * Math.ceil(part.cols / part.groupSize) + Math.floor(c / part.groupSize)
          : Math.floor(local / part.groupSize) * part.cols + c
      return Math.fround(part.mins[s]! + part.scales[s]! * code)
    }
    start += part.rows
  }
  throw new RangeError(`dequantizedAt: row ${r} is outside [0, ${m.rows})`)
}
