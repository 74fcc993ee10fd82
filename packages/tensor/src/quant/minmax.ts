/**
 * Branch-free min/max over float32 data through order-preserving integer keys: the bits of a float with
 * its magnitude bits flipped when negative compare as integers like the floats do. Random data makes the
 * branches of `if (x < min)` mispredict a few times per group; selecting with masks keeps the loop at
 * about three times the speed. NaN and ±Infinity map outside the finite key range, so they are caught
 * for free.
 */

/** Largest key of a finite float (+FLT_MAX); larger keys are +Infinity or NaN. */
export const MAX_FINITE_KEY = 0x7f7fffff
/** Smallest key of a finite float (−FLT_MAX); smaller keys are −Infinity or NaN. */
export const MIN_FINITE_KEY = 0x7f7fffff ^ -1

const bitsView = new Int32Array(1)
const floatView = new Float32Array(bitsView.buffer)

/** The smallest float32 above a finite non-negative `x` (float32). */
export function nextUpF32(x: number): number {
  floatView[0] = x
  bitsView[0] = bitsView[0]! + 1
  return floatView[0]!
}

/** An Int32Array over the bits of `data` (no copy). */
export function bitsOf(data: Float32Array): Int32Array {
  return new Int32Array(data.buffer, data.byteOffset, data.length)
}

/**
 * Min and max keys of `bits[start, end)` (non-empty) written to `out[at]`, `out[at + 1]`. Four elements per step
 * as a small tournament: one compare orders each pair for both the min and the max, and the running
 * min/max chains advance once per four elements instead of once per element.
 */
export function keyRange(bits: Int32Array, start: number, end: number, out: Int32Array, at: number): void {
  let lo = 0x7fffffff
  let hi = -0x80000000
  let i = start
  for (; i + 4 <= end; i += 4) {
    let a = bits[i]!
    let b = bits[i + 1]!
    let c = bits[i + 2]!
    let d = bits[i + 3]!
    a ^= (a >> 31) & 0x7fffffff
    b ^= (b >> 31) & 0x7fffffff
    c ^= (c >> 31) & 0x7fffffff
    d ^= (d >> 31) & 0x7fffffff
    const ab = (a ^ b) & (0 - +(a < b))
    const cd = (c ^ d) & (0 - +(c < d))
    const minAB = b ^ ab
    const maxAB = a ^ ab
    const minCD = d ^ cd
    const maxCD = c ^ cd
    const min4 = minCD ^ ((minAB ^ minCD) & (0 - +(minAB < minCD)))
    const max4 = maxCD ^ ((maxAB ^ maxCD) & (0 - +(maxAB > maxCD)))
    lo = min4 ^ ((lo ^ min4) & (0 - +(lo < min4)))
    hi = max4 ^ ((hi ^ max4) & (0 - +(hi > max4)))
  }
  for (; i < end; i++) {
    let k = bits[i]!
    k ^= (k >> 31) & 0x7fffffff
    lo = k ^ ((lo ^ k) & (0 - +(lo < k)))
    hi = k ^ ((hi ^ k) & (0 - +(hi > k)))
  }
  out[at] = lo
  out[at + 1] = hi
}

/**
 * Updates per-column min/max keys `lo`, `hi` with two rows of `cols` floats starting at `start` and
 * `start + cols`: one compare orders each pair of the two rows for both the min and the max.
 */
export function keyRangeColumnPairs(
  bits: Int32Array,
  start: number,
  cols: number,
  lo: Int32Array,
  hi: Int32Array,
): void {
  for (let c = 0, i = start, j = start + cols; c < cols; c++, i++, j++) {
    let a = bits[i]!
    let b = bits[j]!
    a ^= (a >> 31) & 0x7fffffff
    b ^= (b >> 31) & 0x7fffffff
    const ab = (a ^ b) & (0 - +(a < b))
    const min2 = b ^ ab
    const max2 = a ^ ab
    const l = lo[c]!
    const h = hi[c]!
    lo[c] = min2 ^ ((l ^ min2) & (0 - +(l < min2)))
    hi[c] = max2 ^ ((h ^ max2) & (0 - +(h > max2)))
  }
}

/** Updates per-column min/max keys `lo`, `hi` with one row of `cols` floats starting at `start`. */
export function keyRangeColumns(
  bits: Int32Array,
  start: number,
  cols: number,
  lo: Int32Array,
  hi: Int32Array,
): void {
  for (let c = 0, i = start; c < cols; c++, i++) {
    let k = bits[i]!
    k ^= (k >> 31) & 0x7fffffff
    const l = lo[c]!
    const h = hi[c]!
    lo[c] = k ^ ((l ^ k) & (0 - +(l < k)))
    hi[c] = k ^ ((h ^ k) & (0 - +(h > k)))
  }
}
