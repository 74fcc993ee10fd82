/**
 * IEEE 754 binary16 ("half") conversion with round-to-nearest-even, gradual underflow, overflow to
 * Infinity and quiet NaNs. Scalars go through a shared 4-byte scratch to read float32 bits; arrays read the
 * source's bits through a Uint32Array view (no per-element allocation) and decode through a lazily built
 * 65,536-entry table.
 */

const scratchF32 = new Float32Array(1)
const scratchU32 = new Uint32Array(scratchF32.buffer)

/** Half bits of the float32 with bit pattern `bits` (RNE). Shared by the scalar and array forms. */
function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000
  const exponent = (bits >>> 23) & 0xff
  const mantissa = bits & 0x7fffff
  if (exponent === 0xff) {
    // NaN keeps its top payload bits and is forced quiet so that it can never collapse into Infinity.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13)
  }
  const e = exponent - 112 // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) {
    // Below 2^-25 everything rounds to zero (2^-25 itself is a tie that goes to the even 0).
    if (e < -10) return sign
    const full = mantissa | 0x800000
    const shift = 14 - e
    let half = full >>> shift
    const rest = full & ((1 << shift) - 1)
    const tie = 1 << (shift - 1)
    if (rest > tie || (rest === tie && (half & 1) === 1)) half++
    return sign | half
  }
  // A carry out of the mantissa correctly bumps the exponent (and reaches 0x7c00 = Infinity at the top).
  let half = (e << 10) | (mantissa >>> 13)
  const rest = mantissa & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++
  return sign | half
}

/** Float32 value of half bits, computed without the table (used to build it). */
function decodeF16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >>> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 31) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
  return sign * (1024 + mantissa) * 2 ** (exponent - 25)
}

let table: Float32Array | undefined

function f16Table(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536)
    for (let bits = 0; bits < 65536; bits++) table[bits] = decodeF16(bits)
  }
  return table
}

function checkBits(fn: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff) {
    throw new RangeError(`${fn}: bits must be an integer in 0..65535, got ${bits}`)
  }
}

/**
 * Half-precision bit pattern of `x`. `x` is first rounded to float32 (the name's promise), then to half
 * with round-to-nearest-even; values beyond ±65504 (after rounding) become ±Infinity, NaN stays a quiet NaN.
 *
 * @example
 * f32ToF16(1) // 0x3c00
 * f32ToF16(65520) // 0x7c00 (Infinity: 65520 is the tie above 65504)
 */
export function f32ToF16(x: number): number {
  scratchF32[0] = x
  return f32BitsToF16(scratchU32[0]!)
}

/**
 * Float value of a half-precision bit pattern (exact: every half is a float32).
 *
 * @example
 * f16ToF32(0x3555) // 0.333251953125
 */
export function f16ToF32(bits: number): number {
  checkBits('f16ToF32', bits)
  return decodeF16(bits)
}

/**
 * Converts float32 values to half bit patterns (RNE), into `out` when given (same length) or a new array.
 *
 * @example
 * f32ArrayToF16(new Float32Array([1, -2])) // Uint16Array [0x3c00, 0xc000]
 */
export function f32ArrayToF16(
  src: Float32Array,
  out: Uint16Array = new Uint16Array(src.length),
): Uint16Array {
  if (out.length !== src.length) {
    throw new RangeError(`f32ArrayToF16: out has ${out.length} elements, src has ${src.length}`)
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length)
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]!)
  return out
}

/**
 * Converts half bit patterns to float32 (table lookup), into `out` when given (same length) or a new array.
 *
 * @example
 * f16ArrayToF32(new Uint16Array([0x3c00, 0x7c00])) // Float32Array [1, Infinity]
 */
export function f16ArrayToF32(
  src: Uint16Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  if (out.length !== src.length) {
    throw new RangeError(`f16ArrayToF32: out has ${out.length} elements, src has ${src.length}`)
  }
  const lookup = f16Table()
  for (let i = 0; i < src.length; i++) out[i] = lookup[src[i]!]!
  return out
}
