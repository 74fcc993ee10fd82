import {
  checkQuantizeOptions,
  checkShape,
  packedWords,
  type QuantizedBlock,
  type QuantizeOptions,
  scaleCount,
  throwNonFinite,
} from './block.js'
import {
  bitsOf,
  keyRange,
  keyRangeColumnPairs,
  keyRangeColumns,
  MAX_FINITE_KEY,
  MIN_FINITE_KEY,
  nextUpF32,
} from './minmax.js'
import { packAlignedGroup, packAlignedRow, wordAligned } from './pack-group.js'
import { simdColumnRanges, simdGroupRanges } from './ranges-wasm.js'

const WHERE = 'quantizeAffine'

/**
 * The float32 scale of a group, rounded up so that `(max − min) / scale ≤ 2^bits − 1` holds exactly and no
 * code needs clamping. RangeError when it overflows float32 (only possible at 1 bit, range > 3.4e38).
 */
function groupScale(min: number, max: number, maxCode: number, bits: number): number {
  // max − min of float32 inputs never overflows in float64; only the float32 scale can.
  const range = max - min
  let scale = Math.fround(range / maxCode)
  if (scale * maxCode < range) scale = nextUpF32(scale)
  if (scale === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${WHERE}: group range max − min = ${range} overflows a float32 scale at ${bits} bit(s); use bits ≥ 2`,
    )
  }
  return scale
}

/**
 * Asymmetric affine (min/scale) round-to-nearest quantization of a row-major `[rows, cols]` block in
 * groups along `axis`: `scale = (max − min) / (2^bits − 1)` (rounded up to float32),
 * `code = round((x − min) / scale)`, so every element is reconstructed within `scale / 2` (plus float32
 * rounding); a constant group has scale 0 and is reconstructed exactly. Codes are packed as they are
 * computed, in row-major element order. Throws on NaN or ±Infinity, naming the index.
 *
 * @example
 * const q = quantizeAffine(keys, 64, 128, { bits: 4, groupSize: 32, axis: 'column' })
 * dequantizeAffine(q) // ≈ keys
 */
export function quantizeAffine(
  data: Float32Array,
  rows: number,
  cols: number,
  options: QuantizeOptions,
): QuantizedBlock {
  checkQuantizeOptions(WHERE, options)
  checkShape(WHERE, data.length, rows, cols)
  const { bits, groupSize, axis } = options
  const codes = new Uint32Array(packedWords(rows * cols, bits))
  const n = scaleCount(rows, cols, groupSize, axis)
  const scales = new Float32Array(n)
  const mins = new Float32Array(n)
  if (axis === 'row') quantizeRowGroups(data, rows, cols, bits, groupSize, codes, scales, mins)
  else quantizeColumnGroups(data, rows, cols, bits, groupSize, codes, scales, mins)
  return { rows, cols, bits, groupSize, axis, codes, scales, mins }
}

let useSimdRanges = true

/** Turns the WebAssembly SIMD min/max kernel on or off (tests compare both paths). */
export function setSimdRanges(enabled: boolean): void {
  useSimdRanges = enabled
}

/** Groups whose ranges are found before any of them is packed. */
const CHUNK_GROUPS = 256
let rangeBits = new Int32Array(2 * CHUNK_GROUPS)
let rangeFloats = new Float32Array(rangeBits.buffer)
let inverses = new Float64Array(CHUNK_GROUPS)

function chunkScratch(groups: number): void {
  if (inverses.length >= groups) return
  rangeBits = new Int32Array(2 * groups)
  rangeFloats = new Float32Array(rangeBits.buffer)
  inverses = new Float64Array(groups)
}

/**
 * Row groups in chunks of rows: the min/max keys of every group of the chunk, then their floats (one bulk
 * key-to-float pass through a shared buffer instead of a typed-array round trip per group), scales and
 * inverse scales, then the codes.
 */
function quantizeRowGroups(
  data: Float32Array,
  rows: number,
  cols: number,
  bits: number,
  groupSize: number,
  codes: Uint32Array,
  scales: Float32Array,
  mins: Float32Array,
): void {
  const maxCode = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  const keys = bitsOf(data)
  const aligned = wordAligned(bits, cols, groupSize)
  const groupsPerRow = Math.ceil(cols / groupSize)
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_GROUPS / groupsPerRow))
  chunkScratch(rowsPerChunk * groupsPerRow)
  // equal groups of whole f32x4 vectors: the SIMD min/max kernel applies (same results, NaN as NaN)
  const simd = useSimdRanges && cols % groupSize === 0 && groupSize % 4 === 0
  let word = 0
  let shift = 0
  let filled = 0
  for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
    const r1 = Math.min(rows, r0 + rowsPerChunk)
    const s0 = r0 * groupsPerRow
    const groups = (r1 - r0) * groupsPerRow
    if (simd && simdGroupRanges(data, r0 * cols, groups, groupSize, rangeFloats)) {
      for (let m = 0; m < 2 * groups; m++) {
        if (!Number.isFinite(rangeFloats[m]!)) throwNonFinite(WHERE, data, cols)
      }
    } else {
      for (let start = r0 * cols, g = 0; g < groups; g++) {
        const rowEnd = (Math.floor(g / groupsPerRow) + r0 + 1) * cols
        const end = Math.min(rowEnd, start + groupSize)
        keyRange(keys, start, end, rangeBits, 2 * g)
        start = end
      }
      for (let m = 0; m < 2 * groups; m++) {
        const k = rangeBits[m]!
        if (k < MIN_FINITE_KEY || k > MAX_FINITE_KEY) throwNonFinite(WHERE, data, cols)
        rangeBits[m] = k ^ ((k >> 31) & 0x7fffffff)
      }
    }
    for (let g = 0; g < groups; g++) {
      const min = rangeFloats[2 * g]!
      const scale = groupScale(min, rangeFloats[2 * g + 1]!, maxCode, bits)
      scales[s0 + g] = scale
      mins[s0 + g] = min
      inverses[g] = scale > 0 ? 1 / scale : 0
    }
    for (let start = r0 * cols, g = 0; g < groups; g++) {
      const rowEnd = (Math.floor(g / groupsPerRow) + r0 + 1) * cols
      const end = Math.min(rowEnd, start + groupSize)
      const min = rangeFloats[2 * g]!
      const inv = inverses[g]!
      if (aligned) packAlignedGroup(data, start, end, min, inv, bits, codes)
      else {
        let w = Math.floor(start / perWord)
        for (let i = start; i < end; i++) {
          word |= (((data[i]! - min) * inv + 0.5) | 0) << shift
          shift += bits
          if (++filled === perWord) {
            codes[w++] = word
            word = 0
            shift = 0
            filled = 0
          }
        }
        if (filled > 0) codes[w] = word
      }
      start = end
    }
  }
}

let scratch = new Float64Array(0)
let keyScratch = new Int32Array(0)
let keyFloats = new Float32Array(0)

function quantizeColumnGroups(
  data: Float32Array,
  rows: number,
  cols: number,
  bits: number,
  groupSize: number,
  codes: Uint32Array,
  scales: Float32Array,
  mins: Float32Array,
): void {
  const maxCode = (1 << bits) - 1
  const perWord = Math.floor(32 / bits)
  if (scratch.length < 2 * cols) scratch = new Float64Array(2 * cols)
  if (keyScratch.length < 2 * cols) {
    keyScratch = new Int32Array(2 * cols)
    keyFloats = new Float32Array(keyScratch.buffer)
  }
  const lo = scratch.subarray(0, cols)
  const inv = scratch.subarray(cols, 2 * cols)
  const loKeys = keyScratch.subarray(0, cols)
  const hiKeys = keyScratch.subarray(cols, 2 * cols)
  const keys = bitsOf(data)
  // Every row starts on a word boundary when cols is a whole number of words.
  const aligned = wordAligned(bits, cols)
  // whole f32x4 vectors per row: the SIMD min/max kernel applies
  const simd = useSimdRanges && cols % 4 === 0
  let word = 0
  let shift = 0
  let filled = 0
  let w = 0
  for (let r0 = 0, g = 0; r0 < rows; r0 += groupSize, g++) {
    const r1 = Math.min(rows, r0 + groupSize)
    const loFloats = keyFloats.subarray(0, cols)
    const hiFloats = keyFloats.subarray(cols, 2 * cols)
    if (simd && simdColumnRanges(data, r0, r1, cols, loFloats, hiFloats)) {
      for (let m = 0; m < 2 * cols; m++)
        if (!Number.isFinite(keyFloats[m]!)) throwNonFinite(WHERE, data, cols)
    } else {
      loKeys.fill(0x7fffffff)
      hiKeys.fill(-0x80000000)
      let r = r0
      for (; r + 2 <= r1; r += 2) keyRangeColumnPairs(keys, r * cols, cols, loKeys, hiKeys)
      if (r < r1) keyRangeColumns(keys, r * cols, cols, loKeys, hiKeys)
      for (let m = 0; m < 2 * cols; m++) {
        const k = keyScratch[m]!
        if (k < MIN_FINITE_KEY || k > MAX_FINITE_KEY) throwNonFinite(WHERE, data, cols)
        keyScratch[m] = k ^ ((k >> 31) & 0x7fffffff)
      }
    }
    for (let c = 0, s = g * cols; c < cols; c++, s++) {
      const min = keyFloats[c]!
      const scale = groupScale(min, keyFloats[cols + c]!, maxCode, bits)
      scales[s] = scale
      mins[s] = min
      lo[c] = min
      inv[c] = scale > 0 ? 1 / scale : 0
    }
    for (let r = r0; r < r1; r++) {
      if (aligned) {
        packAlignedRow(data, r * cols, cols, lo, inv, bits, codes)
        continue
      }
      for (let c = 0, i = r * cols; c < cols; c++, i++) {
        word |= (((data[i]! - lo[c]!) * inv[c]! + 0.5) | 0) << shift
        shift += bits
        if (++filled === perWord) {
          codes[w++] = word
          word = 0
          shift = 0
          filled = 0
        }
      }
    }
  }
  if (filled > 0) codes[w] = word
}
