import { codesPerWord, packedWords } from '../tensor/dtype.js'

/**
 * Which way groups run in a row-major `[rows, cols]` block. `row`: `groupSize` consecutive elements of one
 * row share a scale and min (per token, KIVI's values). `column`: `groupSize` consecutive rows of one
 * column share them (per channel, KIVI's keys).
 */
export type QuantAxis = 'row' | 'column'

/** Options of {@link quantizeAffine}. */
export interface QuantizeOptions {
  /** Bits per code, 1–8. */
  readonly bits: number
  /** Elements per group along `axis` (the last group of a row or column may be shorter). */
  readonly groupSize: number
  readonly axis: QuantAxis
}

/**
 * A block quantized by {@link quantizeAffine}: `x ≈ mins[g] + scales[g] · code`.
 *
 * - `codes`: one code per element in row-major element order (element `r·cols + c` is code number
 *   `r·cols + c`), packed `floor(32 / bits)` codes per word, LSB first, never straddling two words.
 * - `scales`, `mins`: axis `row` → `[rows, ceil(cols / groupSize)]` (group g of row r at
 *   `r · groupsPerRow + g`); axis `column` → `[ceil(rows / groupSize), cols]` (group g of column c at
 *   `g · cols + c`).
 */
export interface QuantizedBlock {
  readonly rows: number
  readonly cols: number
  readonly bits: number
  readonly groupSize: number
  readonly axis: QuantAxis
  readonly codes: Uint32Array
  readonly scales: Float32Array
  readonly mins: Float32Array
}

/** Groups along the grouped axis: per row (`row`) or per column (`column`). */
export function groupCount(rows: number, cols: number, groupSize: number, axis: QuantAxis): number {
  return Math.ceil((axis === 'row' ? cols : rows) / groupSize)
}

/** Length of the `scales` and `mins` arrays of a block. */
export function scaleCount(rows: number, cols: number, groupSize: number, axis: QuantAxis): number {
  return axis === 'row' ? rows * Math.ceil(cols / groupSize) : Math.ceil(rows / groupSize) * cols
}

/** Throws unless `bits` is an integer in 1..8. */
export function checkBits(where: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new RangeError(`${where}: bits must be an integer in 1..8, got ${bits}`)
  }
}

/** Throws unless options are valid for a `[rows, cols]` block. */
export function checkQuantizeOptions(where: string, options: QuantizeOptions): void {
  checkBits(where, options.bits)
  const g = options.groupSize
  if (!Number.isInteger(g) || g <= 0) {
    throw new RangeError(`${where}: groupSize must be a positive integer, got ${g}`)
  }
  if (options.axis !== 'row' && options.axis !== 'column') {
    throw new RangeError(`${where}: axis must be 'row' or 'column', got ${String(options.axis)}`)
  }
}

/** Throws unless `rows`, `cols` are non-negative integers whose product is `length`. */
export function checkShape(where: string, length: number, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0) {
    throw new RangeError(`${where}: rows must be a non-negative integer, got ${rows}`)
  }
  if (!Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`${where}: cols must be a non-negative integer, got ${cols}`)
  }
  if (rows * cols !== length) {
    throw new RangeError(
      `${where}: rows × cols = ${rows} × ${cols} = ${rows * cols} disagrees with data length ${length}`,
    )
  }
}

/** Throws unless the arrays of a block have the lengths its shape implies. */
export function checkBlock(where: string, q: QuantizedBlock): void {
  checkQuantizeOptions(where, q)
  const words = packedWords(q.rows * q.cols, q.bits)
  if (q.codes.length < words) {
    throw new RangeError(`${where}: codes holds ${q.codes.length} words, block needs ${words}`)
  }
  const n = scaleCount(q.rows, q.cols, q.groupSize, q.axis)
  if (q.scales.length < n || q.mins.length < n) {
    throw new RangeError(
      `${where}: scales/mins hold ${q.scales.length}/${q.mins.length} entries, block needs ${n}`,
    )
  }
}

/** Throws naming the first NaN or infinite element of `data`. */
export function throwNonFinite(where: string, data: Float32Array, cols: number): never {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!
    if (!Number.isFinite(x)) {
      const at = cols > 0 ? ` (row ${Math.floor(i / cols)}, column ${i % cols})` : ''
      throw new RangeError(`${where}: data[${i}]${at} is ${x}; only finite values can be quantized`)
    }
  }
  throw new RangeError(`${where}: data holds a non-finite value`)
}

/** Bytes of the arrays a block holds (codes, scales and mins). */
export function quantizedBytes(q: QuantizedBlock): number {
  return q.codes.byteLength + q.scales.byteLength + q.mins.byteLength
}

export { codesPerWord, packedWords }
