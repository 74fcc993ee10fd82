import type { KVRole } from '@kv/tensor/contracts'
import {
  accumulateMatrix,
  dequantizedAt,
  dequantizeMatrix,
  dotMatrix,
  matrixBytes,
  matrixPhysicalBytes,
  type QuantizedMatrix,
  quantizeMatrix,
  selectMatrix,
} from '../shared/quantized-matrix.js'
import { fillOutliers, squaredError } from './fill.js'
import {
  accumulateLowRank,
  addLowRank,
  approximateResidual,
  dotLowRank,
  type LowRankTerm,
  lowRankAt,
  NO_LOW_RANK,
  selectLowRank,
} from './lowrank-term.js'
import {
  forEachOutlier,
  type Outliers,
  outlierBytes,
  outlierPhysicalBytes,
  outliersPerSide,
  pickOutliers,
  selectOutliers,
} from './outliers.js'

/** A block compressed by GEAR: `x ≈ deq(matrix) + left · rightᵀ`, then the outliers written exactly. */
export interface GearBlock {
  readonly tokens: number
  readonly headDim: number
  readonly role: KVRole
  readonly bits: number
  readonly matrix: QuantizedMatrix
  readonly outliers: Outliers
  readonly lowRank: LowRankTerm
}

/** What {@link encodeGear} needs. */
export interface GearEncodeOptions {
  readonly bits: number
  readonly groupSize: number
  readonly rank: number
  /** Fraction of each line kept exactly, half largest and half smallest. */
  readonly outliers: number
  readonly iterations: number
  readonly seed: number
}

/**
 * GEAR compression of a `[tokens, headDim]` block of plain floats: outliers picked per token (values) or
 * per channel (keys), the rest quantized KIVI-style, and the quantization residual approximated at rank
 * `rank`. Of the two quantizations of the same storage (outlier slots filled with an in-group value, or
 * the raw block) the one with the smaller error is kept, and the low-rank term only when it lowers the
 * error, so the result is never worse than KIVI at the same bits.
 *
 * @example
 * const block = encodeGear(keys, 64, 64, 'key', { bits: 4, groupSize: 64, rank: 4, outliers: 0.02, iterations: 3, seed: 0 })
 * const approx = decodeGear(block)
 */
export function encodeGear(
  data: Float32Array,
  tokens: number,
  headDim: number,
  role: KVRole,
  options: GearEncodeOptions,
): GearBlock {
  const { bits, groupSize } = options
  const axis = role === 'key' ? 'column' : 'row'
  const size = tokens * headDim
  const mask = new Uint8Array(size)
  const perSide = outliersPerSide(options.outliers, role === 'key' ? tokens : headDim)
  const outliers = pickOutliers(data, tokens, headDim, role, perSide, mask)
  const plain = quantizeMatrix(data, tokens, headDim, bits, groupSize, axis)
  const decoded = new Float32Array(size)
  let matrix = plain
  dequantizeMatrix(plain, decoded)
  let error = squaredError(data, decoded, mask)
  if (perSide > 0) {
    const filled = fillOutliers(data, tokens, headDim, axis, groupSize, mask)
    const candidate = quantizeMatrix(filled, tokens, headDim, bits, groupSize, axis)
    const candidateDecoded = new Float32Array(size)
    dequantizeMatrix(candidate, candidateDecoded)
    const candidateError = squaredError(data, candidateDecoded, mask)
    if (candidateError <= error) {
      matrix = candidate
      decoded.set(candidateDecoded)
      error = candidateError
    }
  }
  // the residual GEAR approximates: zero on outliers, which are restored exactly anyway
  const residual = new Float32Array(size)
  for (let i = 0; i < size; i++) residual[i] = mask[i] === 1 ? 0 : data[i]! - decoded[i]!
  let lowRank = approximateResidual(residual, tokens, headDim, options.rank, options.iterations, options.seed)
  if (lowRank.rank > 0) {
    addLowRank(lowRank, tokens, headDim, decoded)
    if (!(squaredError(data, decoded, mask) < error)) lowRank = NO_LOW_RANK
  }
  return { tokens, headDim, role, bits, matrix, outliers, lowRank }
}

/**
 * Reconstructs a GEAR block as `[tokens * headDim]` floats.
 *
 * @example
 * decodeGear(block, new Float32Array(block.tokens * block.headDim))
 */
export function decodeGear(block: GearBlock, out?: Float32Array): Float32Array {
  const { tokens, headDim } = block
  const target = out ?? new Float32Array(tokens * headDim)
  dequantizeMatrix(block.matrix, target)
  addLowRank(block.lowRank, tokens, headDim, target)
  forEachOutlier(block.outliers, outlierLines(block), (t, c, v) => {
    target[t * headDim + c] = v
  })
  return target
}

function outlierLines(block: GearBlock): number {
  return block.outliers.axis === 'row' ? block.tokens : block.headDim
}

/** What the dense part (quantized + low rank) reconstructs at (t, c), as decode computes it. */
function densePart(block: GearBlock, t: number, c: number): number {
  return Math.fround(dequantizedAt(block.matrix, t, c) + lowRankAt(block.lowRank, t, c))
}

/** Fused dequantize-dot of a GEAR block: quantized part, then `left · (rightᵀ q)`, then outlier corrections. */
export function dotGear(block: GearBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
  const { tokens, headDim } = block
  dotMatrix(block.matrix, query, out, outOffset)
  dotLowRank(block.lowRank, tokens, headDim, query, out, outOffset)
  forEachOutlier(block.outliers, outlierLines(block), (t, c, v) => {
    out[outOffset + t]! += query[c]! * (v - densePart(block, t, c))
  })
}

/** Fused dequantize-accumulate of a GEAR block. */
export function accumulateGear(
  block: GearBlock,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  const { tokens, headDim } = block
  accumulateMatrix(block.matrix, weights, weightOffset, out)
  accumulateLowRank(block.lowRank, tokens, headDim, weights, weightOffset, out)
  forEachOutlier(block.outliers, outlierLines(block), (t, c, v) => {
    out[c]! += weights[weightOffset + t]! * (v - densePart(block, t, c))
  })
}

/** The rows `keep` (ascending) of a GEAR block, exactly: code rows, token-factor rows and outliers dropped. */
export function selectGear(block: GearBlock, keep: Int32Array): GearBlock {
  return {
    ...block,
    tokens: keep.length,
    matrix: selectMatrix(block.matrix, keep),
    outliers: selectOutliers(block.outliers, block.tokens, block.headDim, keep),
    lowRank: selectLowRank(block.lowRank, keep),
  }
}

/** Logical bytes: quantized part, outliers (values and positions), float32 factors, 4 bytes of metadata. */
export function gearBytes(block: GearBlock): number {
  const factors = block.lowRank.left.byteLength + block.lowRank.right.byteLength
  return matrixBytes(block.matrix) + outlierBytes(block.outliers) + factors + 4
}

/** Bytes of the typed arrays a GEAR block holds. */
export function gearPhysicalBytes(block: GearBlock): number {
  const factors = block.lowRank.left.byteLength + block.lowRank.right.byteLength
  return matrixPhysicalBytes(block.matrix) + outlierPhysicalBytes(block.outliers) + factors
}
