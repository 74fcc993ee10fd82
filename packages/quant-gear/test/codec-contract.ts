import type { EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import fc from 'fast-check'
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
 * The checks every codec passes: select equals decode-then-drop exactly, dot and accumulate equal
 * decode-then-sum within float tolerance, physical bytes cover the data arrays, encode of NaN throws.
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
  // bytes: honest and positive
  expect(codec.bytes(block)).toBeGreaterThan(0)
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

export const contractRuns = { numRuns: Math.min(fc.readConfigureGlobal().numRuns ?? 100, 60) }
