import type { EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import { expect } from 'vitest'
import {
  contextOf,
  dropRows,
  fusedTolerance,
  type KVCase,
  pseudoNormal,
  subset,
  tensorOf,
} from './arbitraries.js'

/**
 * Largest squared reconstruction error a codec may make, as a share of the block's energy (Σx²). Every
 * codec here quantizes with at least 2 bits per group (error ≤ scale/2 of a group), which stays far below
 * this on the blocks of `kvCase`; a decode that returns zeros, the wrong rows or unscaled codes does not.
 */
export const MAX_RELATIVE_ERROR = 0.25

/** Fewest bits per element any codec here stores (2-bit codes), so the least its logical bytes can be. */
const MIN_BITS_PER_ELEMENT = 2

/**
 * The checks every codec passes: decode reconstructs the block (within {@link MAX_RELATIVE_ERROR}) and
 * refuses a short output buffer, select equals decode-then-drop exactly, dot and accumulate equal
 * decode-then-sum within float tolerance, bytes count at least the codes, encode of NaN throws.
 */
export function checkCodecContract<B extends EncodedBlock>(
  codec: KVCodec<B>,
  c: KVCase,
  mask: number,
  tiers?: Uint8Array,
): void {
  const block = codec.encode(tensorOf(c), contextOf(c.role, 'decode', tiers))
  expect(block.tokens).toBe(c.tokens)
  const decoded = codec.decode(block)
  // decode: close to the block, and a short buffer is refused instead of silently truncated
  let energy = 0
  let error = 0
  for (let i = 0; i < c.data.length; i++) {
    energy += c.data[i]! ** 2
    error += (decoded[i]! - c.data[i]!) ** 2
  }
  // plus float16's absolute floor (half its smallest subnormal) for an fp16 tier on tiny blocks
  const floor = c.data.length * 2 ** -50
  if (!(error <= MAX_RELATIVE_ERROR * energy + floor))
    throw new Error(`decode error ${error} > ${MAX_RELATIVE_ERROR} × energy ${energy}`)
  expect(() => codec.decode(block, new Float32Array(c.tokens * c.headDim - 1))).toThrow(RangeError)
  // select: exact
  const keep = subset(c.tokens, mask)
  const selected = codec.select!(block, keep)
  expect(codec.decode(selected)).toEqual(dropRows(decoded, c.headDim, keep))
  // dot / accumulate: decode-then-sum
  const query = pseudoNormal(c.headDim, c.seed + 7)
  const scores = new Float32Array(c.tokens + 2).fill(Number.NaN)
  codec.dot!(block, query, scores, 2)
  for (let t = 0; t < c.tokens; t++) {
    let sum = 0
    let abs = 0
    for (let d = 0; d < c.headDim; d++) {
      sum += query[d]! * decoded[t * c.headDim + d]!
      abs += Math.abs(query[d]! * decoded[t * c.headDim + d]!)
    }
    const bound = fusedTolerance(abs + maxAbs(c.data) * c.headDim)
    if (!(Math.abs(scores[2 + t]! - sum) <= bound))
      throw new Error(`dot row ${t}: ${scores[2 + t]} vs ${sum}`)
  }
  const weights = pseudoNormal(c.tokens + 1, c.seed + 9)
  const acc = new Float32Array(c.headDim).fill(0.25)
  codec.accumulate!(block, weights, 1, acc)
  for (let d = 0; d < c.headDim; d++) {
    let sum = 0.25
    let abs = 0.25
    for (let t = 0; t < c.tokens; t++) {
      sum += weights[1 + t]! * decoded[t * c.headDim + d]!
      abs += Math.abs(weights[1 + t]! * decoded[t * c.headDim + d]!)
    }
    const bound = fusedTolerance(abs + maxAbs(c.data) * c.tokens * 4)
    if (!(Math.abs(acc[d]! - sum) <= bound)) throw new Error(`accumulate channel ${d}: ${acc[d]} vs ${sum}`)
  }
  // bytes: at least the codes of every element kept (a block, and what select kept of it)
  expect(codec.bytes(block)).toBeGreaterThanOrEqual((c.tokens * c.headDim * MIN_BITS_PER_ELEMENT) / 8)
  expect(codec.bytes(selected)).toBeGreaterThanOrEqual((keep.length * c.headDim * MIN_BITS_PER_ELEMENT) / 8)
  expect(codec.physicalBytes(block)).toBeGreaterThan(0)
}

/** Encoding a block with a NaN names the index and leaves nothing behind. */
export function checkRejectsNaN<B extends EncodedBlock>(codec: KVCodec<B>, role: 'key' | 'value'): void {
  const data = pseudoNormal(5 * 8, 3)
  data[13] = Number.NaN
  const c = { tokens: 5, headDim: 8, role, data, seed: 1 }
  expect(() => codec.encode(tensorOf(c), contextOf(role))).toThrow('block[13] (token 1, channel 5) is NaN')
  data[13] = Number.NEGATIVE_INFINITY
  expect(() => codec.encode(tensorOf(c), contextOf(role))).toThrow(
    'block[13] (token 1, channel 5) is -Infinity',
  )
}

function maxAbs(data: Float32Array): number {
  let m = 0
  for (const x of data) m = Math.max(m, Math.abs(x))
  return m
}
