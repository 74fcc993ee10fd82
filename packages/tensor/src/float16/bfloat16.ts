/**
 * bfloat16 conversion: the top 16 bits of a float32, rounded to nearest even. Overflow rounds to ±Infinity
 * through the same carry; NaN keeps its sign and top payload and is forced quiet.
 */

const scratchF32 = new Float32Array(1)
const scratchU32 = new Uint32Array(scratchF32.buffer)

function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff
  // Adding 0x7fff plus the lowest kept bit rounds ties to even; unsigned arithmetic cannot overflow 2^32
  // because the largest finite pattern 0xff7fffff + 0x8000 is below it.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff
}

/**
 * bfloat16 bit pattern of `x` (first rounded to float32, then to bfloat16 with round-to-nearest-even).
 *
 * @example
 * f32ToBf16(1) // 0x3f80
 * f32ToBf16(Number.NaN) // 0x7fc0
 */
export function f32ToBf16(x: number): number {
  scratchF32[0] = x
  return f32BitsToBf16(scratchU32[0]!)
}

/**
 * Float value of a bfloat16 bit pattern (exact).
 *
 * @example
 * bf16ToF32(0x3fc0) // 1.5
 */
export function bf16ToF32(bits: number): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff) {
    throw new RangeError(`bf16ToF32: bits must be an integer in 0..65535, got ${bits}`)
  }
  scratchU32[0] = bits << 16
  return scratchF32[0]!
}

/**
 * Converts float32 values to bfloat16 bit patterns (RNE), into `out` when given (same length).
 *
 * @example
 * f32ArrayToBf16(new Float32Array([1, -2])) // Uint16Array [0x3f80, 0xc000]
 */
export function f32ArrayToBf16(
  src: Float32Array,
  out: Uint16Array = new Uint16Array(src.length),
): Uint16Array {
  if (out.length !== src.length) {
    throw new RangeError(`f32ArrayToBf16: out has ${out.length} elements, src has ${src.length}`)
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length)
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16(bits[i]!)
  return out
}

/**
 * Converts bfloat16 bit patterns to float32 (a 16-bit shift), into `out` when given (same length).
 *
 * @example
 * bf16ArrayToF32(new Uint16Array([0x3f80])) // Float32Array [1]
 */
export function bf16ArrayToF32(
  src: Uint16Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  if (out.length !== src.length) {
    throw new RangeError(`bf16ArrayToF32: out has ${out.length} elements, src has ${src.length}`)
  }
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length)
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16
  return out
}
