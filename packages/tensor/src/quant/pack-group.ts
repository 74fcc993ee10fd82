/**
 * Quantizes and packs `data[start, end)` (word-aligned, a whole number of words, `32 / bits` a multiple of
 * 4) four codes per step, with no per-element branch; the unrolled step is what lets quantization run
 * near memory speed in V8.
 */
export function packAlignedGroup(
  data: Float32Array,
  start: number,
  end: number,
  min: number,
  inv: number,
  bits: number,
  codes: Uint32Array,
): void {
  const perWord = Math.floor(32 / bits)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  for (let i = start, w = start / perWord; i < end; w++) {
    let word = 0
    for (let k = 0, shift = 0; k < perWord; k += 4, shift += b4, i += 4) {
      word |=
        ((((data[i]! - min) * inv + 0.5) | 0) << shift) |
        ((((data[i + 1]! - min) * inv + 0.5) | 0) << (shift + bits)) |
        ((((data[i + 2]! - min) * inv + 0.5) | 0) << (shift + b2)) |
        ((((data[i + 3]! - min) * inv + 0.5) | 0) << (shift + b3))
    }
    codes[w] = word
  }
}

/**
 * Quantizes and packs one row of a per-channel block (`cols` a whole number of words, `32 / bits` a
 * multiple of 4) with per-column mins `lo` and inverse scales `inv`, four codes per step.
 */
export function packAlignedRow(
  data: Float32Array,
  start: number,
  cols: number,
  lo: Float64Array,
  inv: Float64Array,
  bits: number,
  codes: Uint32Array,
): void {
  const perWord = Math.floor(32 / bits)
  const b2 = 2 * bits
  const b3 = 3 * bits
  const b4 = 4 * bits
  for (let c = 0, i = start, w = start / perWord; c < cols; w++) {
    let word = 0
    for (let k = 0, shift = 0; k < perWord; k += 4, shift += b4, i += 4, c += 4) {
      word |=
        ((((data[i]! - lo[c]!) * inv[c]! + 0.5) | 0) << shift) |
        ((((data[i + 1]! - lo[c + 1]!) * inv[c + 1]! + 0.5) | 0) << (shift + bits)) |
        ((((data[i + 2]! - lo[c + 2]!) * inv[c + 2]! + 0.5) | 0) << (shift + b2)) |
        ((((data[i + 3]! - lo[c + 3]!) * inv[c + 3]! + 0.5) | 0) << (shift + b3))
    }
    codes[w] = word
  }
}

/**
 * Whether every row of `cols` codes, and every group of `groupSize` codes within it (a row by default),
 * starts on a word boundary and fills whole words of steps of four codes: the condition of the
 * four-codes-per-step paths of quantize, dequantize and the fused kernels.
 */
export function wordAligned(bits: number, cols: number, groupSize = cols): boolean {
  const perWord = Math.floor(32 / bits)
  return perWord % 4 === 0 && cols % perWord === 0 && groupSize % perWord === 0
}
