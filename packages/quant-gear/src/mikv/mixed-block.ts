import { f16ArrayToF32, f32ArrayToF16 } from '@kv/tensor'
import type { KVRole } from '@kv/tensor/contracts'
import {
  accumulateMatrix,
  dequantizeMatrix,
  dotMatrix,
  matrixBytes,
  matrixPhysicalBytes,
  type QuantizedMatrix,
  quantizeMatrix,
  selectMatrix,
} from '../shared/quantized-matrix.js'

/** Storage of tier 0: quantized codes, or float16 rows. */
export type HighTier =
  | { readonly kind: 'quantized'; readonly matrix: QuantizedMatrix }
  | { readonly kind: 'fp16'; readonly rows: Uint16Array; readonly count: number }

/** A block stored in two precision tiers, tokens of each tier quantized per token. */
export interface MixedBlock {
  readonly tokens: number
  readonly headDim: number
  readonly role: KVRole
  /** Tier (0 high, 1 low) of each token. */
  readonly tiers: Uint8Array
  readonly high: HighTier
  readonly low: QuantizedMatrix
  /** Keys are stored as `k · balance` (per channel); null for values and unbalanced keys. */
  readonly balance: Float32Array | null
}

/** What {@link encodeMixed} needs. */
export interface MixedEncodeOptions {
  /** Bits of tier 0, or 'fp16'. */
  readonly high: number | 'fp16'
  readonly low: number
  readonly groupSize: number
}

/** Largest magnitude float16 holds. */
const F16_MAX = 65504

/**
 * Encodes a `[tokens, headDim]` block in two tiers: the rows with `tiers[t] = 0` at `high` precision,
 * the others at `low` bits, both per token in groups of `groupSize` channels. Keys are multiplied by
 * `balance` first when given.
 *
 * @example
 * const block = encodeMixed(keys, 8, 64, 'key', tiers, balance, { high: 8, low: 3, groupSize: 32 })
 */
export function encodeMixed(
  data: Float32Array,
  tokens: number,
  headDim: number,
  role: KVRole,
  tiers: Uint8Array,
  balance: Float32Array | null,
  options: MixedEncodeOptions,
): MixedBlock {
  let highCount = 0
  for (let t = 0; t < tokens; t++) if (tiers[t] === 0) highCount++
  const highRows = new Float32Array(highCount * headDim)
  const lowRows = new Float32Array((tokens - highCount) * headDim)
  for (let t = 0, h = 0, l = 0; t < tokens; t++) {
    const target = tiers[t] === 0 ? highRows : lowRows
    const row = tiers[t] === 0 ? h++ : l++
    for (let c = 0; c < headDim; c++) {
      const x = data[t * headDim + c]!
      target[row * headDim + c] = balance === null ? x : x * balance[c]!
    }
  }
  let high: HighTier
  if (options.high === 'fp16') {
    for (let i = 0; i < highRows.length; i++) {
      if (Math.abs(highRows[i]!) > F16_MAX) {
        throw new RangeError(
          `mixedPrecision.encode: tier-0 value ${highRows[i]} exceeds the float16 range ±65504`,
        )
      }
    }
    high = { kind: 'fp16', rows: f32ArrayToF16(highRows), count: highCount }
  } else {
    high = {
      kind: 'quantized',
      matrix: quantizeMatrix(highRows, highCount, headDim, options.high, options.groupSize, 'row'),
    }
  }
  const low = quantizeMatrix(lowRows, tokens - highCount, headDim, options.low, options.groupSize, 'row')
  return { tokens, headDim, role, tiers: tiers.slice(0, tokens), high, low, balance }
}

/** The tier-0 rows as floats (still balanced). */
function highFloats(block: MixedBlock): Float32Array {
  if (block.high.kind === 'fp16') return f16ArrayToF32(block.high.rows)
  const out = new Float32Array(block.high.matrix.rows * block.headDim)
  dequantizeMatrix(block.high.matrix, out)
  return out
}

/**
 * Reconstructs a mixed block as `[tokens * headDim]` floats (keys divided back by the balancer).
 *
 * @example
 * decodeMixed(block)
 */
export function decodeMixed(block: MixedBlock, out?: Float32Array): Float32Array {
  const { tokens, headDim, tiers, balance } = block
  const target = out ?? new Float32Array(tokens * headDim)
  const high = highFloats(block)
  const low = new Float32Array(block.low.rows * headDim)
  dequantizeMatrix(block.low, low)
  for (let t = 0, h = 0, l = 0; t < tokens; t++) {
    const source = tiers[t] === 0 ? high : low
    const row = tiers[t] === 0 ? h++ : l++
    for (let c = 0; c < headDim; c++) {
      const x = source[row * headDim + c]!
      target[t * headDim + c] = balance === null ? x : x / balance[c]!
    }
  }
  return target
}

/** Fused dot: each tier scored from its codes with the query divided by the balancer, then interleaved. */
export function dotMixed(block: MixedBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
  const { tokens, headDim, tiers, balance } = block
  let q = query
  if (balance !== null) {
    q = new Float32Array(headDim)
    for (let c = 0; c < headDim; c++) q[c] = query[c]! / balance[c]!
  }
  const highScores = new Float32Array(tokens - block.low.rows)
  const lowScores = new Float32Array(block.low.rows)
  if (block.high.kind === 'quantized') dotMatrix(block.high.matrix, q, highScores, 0)
  else {
    const rows = f16ArrayToF32(block.high.rows)
    for (let r = 0; r < block.high.count; r++) {
      let sum = 0
      for (let c = 0; c < headDim; c++) sum += q[c]! * rows[r * headDim + c]!
      highScores[r] = sum
    }
  }
  dotMatrix(block.low, q, lowScores, 0)
  for (let t = 0, h = 0, l = 0; t < tokens; t++)
    out[outOffset + t] = tiers[t] === 0 ? highScores[h++]! : lowScores[l++]!
}

/** Fused accumulate: the weights split by tier, each tier accumulated from its codes. */
export function accumulateMixed(
  block: MixedBlock,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  const { tokens, headDim, tiers, balance } = block
  const highWeights = new Float32Array(tokens - block.low.rows)
  const lowWeights = new Float32Array(block.low.rows)
  for (let t = 0, h = 0, l = 0; t < tokens; t++) {
    if (tiers[t] === 0) highWeights[h++] = weights[weightOffset + t]!
    else lowWeights[l++] = weights[weightOffset + t]!
  }
  const sum = new Float32Array(headDim)
  if (block.high.kind === 'quantized') accumulateMatrix(block.high.matrix, highWeights, 0, sum)
  else {
    const rows = f16ArrayToF32(block.high.rows)
    for (let r = 0; r < block.high.count; r++)
      for (let c = 0; c < headDim; c++) sum[c]! += highWeights[r]! * rows[r * headDim + c]!
  }
  accumulateMatrix(block.low, lowWeights, 0, sum)
  for (let c = 0; c < headDim; c++) out[c]! += balance === null ? sum[c]! : sum[c]! / balance[c]!
}

/** The rows `keep` (ascending) of a mixed block, exactly. */
export function selectMixed(block: MixedBlock, keep: Int32Array): MixedBlock {
  const { tiers, headDim } = block
  const rank = new Int32Array(block.tokens)
  for (let t = 0, h = 0, l = 0; t < block.tokens; t++) rank[t] = tiers[t] === 0 ? h++ : l++
  const highKeep: number[] = []
  const lowKeep: number[] = []
  const newTiers = new Uint8Array(keep.length)
  for (let i = 0; i < keep.length; i++) {
    const t = keep[i]!
    newTiers[i] = tiers[t]!
    if (tiers[t] === 0) highKeep.push(rank[t]!)
    else lowKeep.push(rank[t]!)
  }
  let high: HighTier
  if (block.high.kind === 'fp16') {
    const rows = new Uint16Array(highKeep.length * headDim)
    highKeep.forEach((r, i) => {
      rows.set(
        (block.high as { rows: Uint16Array }).rows.subarray(r * headDim, (r + 1) * headDim),
        i * headDim,
      )
    })
    high = { kind: 'fp16', rows, count: highKeep.length }
  } else high = { kind: 'quantized', matrix: selectMatrix(block.high.matrix, Int32Array.from(highKeep)) }
  return {
    ...block,
    tokens: keep.length,
    tiers: newTiers,
    high,
    low: selectMatrix(block.low, Int32Array.from(lowKeep)),
  }
}

/** Logical bytes: both tiers, one tier bit per token (rounded up to bytes), the balancer when keys are balanced is per head and not counted here. */
export function mixedBytes(block: MixedBlock): number {
  const high = block.high.kind === 'fp16' ? block.high.rows.byteLength : matrixBytes(block.high.matrix)
  return high + matrixBytes(block.low) + Math.ceil(block.tokens / 8)
}

/** Bytes of the typed arrays a mixed block holds (its tier map included, the shared balancer not). */
export function mixedPhysicalBytes(block: MixedBlock): number {
  const high =
    block.high.kind === 'fp16' ? block.high.rows.byteLength : matrixPhysicalBytes(block.high.matrix)
  return high + matrixPhysicalBytes(block.low) + block.tiers.byteLength
}
