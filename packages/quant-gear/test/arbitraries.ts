import { Tensor } from '@kv/tensor'
import type { EncodeContext, KVRole } from '@kv/tensor/contracts'
import fc from 'fast-check'
import type { QuantizedMatrix } from '../src/index.js'

/** A `[tokens, headDim]` block of awkward shape and one magnitude, sometimes with constant rows. */
export interface KVCase {
  readonly tokens: number
  readonly headDim: number
  readonly role: KVRole
  readonly data: Float32Array
  readonly seed: number
}

export const MAGNITUDES = [0, 1e-30, 1, 1e30] as const

/** Deterministic standard-normal-ish values (sum of uniforms) from a seed: no Math.random in properties. */
export function pseudoNormal(length: number, seed: number, magnitude = 1): Float32Array {
  const out = new Float32Array(length)
  let state = seed | 1
  for (let i = 0; i < length; i++) {
    let sum = 0
    for (let k = 0; k < 4; k++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      sum += (state >>> 0) / 0x100000000
    }
    out[i] = (sum - 2) * 1.7 * magnitude
  }
  return out
}

export function kvCase(
  maxTokens = 65,
  dims: readonly number[] = [1, 3, 7, 16, 33, 64],
): fc.Arbitrary<KVCase> {
  return fc
    .record({
      tokens: fc.oneof(fc.constantFrom(1, 3, 7, 17, 33, 65), fc.integer({ min: 1, max: maxTokens })),
      headDim: fc.constantFrom(...dims),
      role: fc.constantFrom<KVRole>('key', 'value'),
      magnitude: fc.constantFrom(...MAGNITUDES),
      constantRow: fc.integer({ min: -1, max: 3 }),
      spike: fc.boolean(),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ tokens, headDim, role, magnitude, constantRow, spike, seed }) => {
      const t = Math.min(tokens, maxTokens)
      const data = pseudoNormal(t * headDim, seed, magnitude)
      if (constantRow >= 0 && constantRow < t)
        data.fill(magnitude * 0.5, constantRow * headDim, (constantRow + 1) * headDim)
      // an outlier channel, as real keys have
      if (spike) for (let r = 0; r < t; r++) data[r * headDim] = Math.fround(data[r * headDim]! * 20)
      return { tokens: t, headDim, role, data, seed }
    })
}

export function tensorOf(c: KVCase): Tensor<'f32'> {
  return Tensor.fromF32(c.data, [c.tokens, c.headDim])
}

export function contextOf(
  role: KVRole,
  phase: 'prefill' | 'decode' = 'decode',
  tiers?: Uint8Array,
): EncodeContext {
  return tiers === undefined ? { role, phase, layer: 1, head: 2 } : { role, phase, layer: 1, head: 2, tiers }
}

/** The scale of the group holding element (r, c) of a quantized matrix. */
export function scaleAt(m: QuantizedMatrix, r: number, c: number): number {
  let start = 0
  for (const part of m.parts) {
    if (r < start + part.rows) {
      const local = r - start
      const s =
        part.axis === 'row'
          ? local * Math.ceil(part.cols / part.groupSize) + Math.floor(c / part.groupSize)
          : Math.floor(local / part.groupSize) * part.cols + c
      return part.scales[s]!
    }
    start += part.rows
  }
  throw new Error(`row ${r} outside`)
}

/** Σ (a − b)² in float64. */
export function squaredDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2
  return sum
}

/** Ascending subset of [0, n) from a bit mask seed. */
export function subset(n: number, mask: number): Int32Array {
  const keep: number[] = []
  for (let r = 0; r < n; r++) if (((mask >>> (r % 31)) ^ (r >> 5)) & 1) keep.push(r)
  return Int32Array.from(keep)
}

/** Rows `keep` of a `[rows, cols]` array. */
export function dropRows(data: Float32Array, cols: number, keep: Int32Array): Float32Array {
  const out = new Float32Array(keep.length * cols)
  for (let i = 0; i < keep.length; i++)
    out.set(data.subarray(keep[i]! * cols, (keep[i]! + 1) * cols), i * cols)
  return out
}

/** Float tolerance of a fused sum against decode-then-sum: a few ulps of Σ|terms|. */
export function fusedTolerance(absSum: number): number {
  return absSum * 2 ** -17 + 1e-37
}
