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

/** A block of keys or values quantized KIVI-style. */
export interface UniformBlock {
  readonly tokens: number
  readonly headDim: number
  readonly role: KVRole
  readonly bits: number
  readonly matrix: QuantizedMatrix
}

/** Bits KIVI's kernels support. */
export const UNIFORM_BITS = [2, 3, 4, 8] as const

/**
 * KIVI quantization of a `[tokens, headDim]` block as plain floats: keys per channel (each channel's
 * `groupSize` consecutive tokens share a scale and min), values per token (`groupSize` consecutive
 * channels). Every element is reconstructed within `scale / 2` of its group.
 *
 * @example
 * const block = quantizeKivi(keys, 32, 64, 'key', { bits: 2, groupSize: 32 })
 * const approx = dequantizeKivi(block)
 */
export function quantizeKivi(
  data: Float32Array,
  tokens: number,
  headDim: number,
  role: KVRole,
  options: { readonly bits: number; readonly groupSize: number },
): UniformBlock {
  const axis = role === 'key' ? 'column' : 'row'
  const matrix = quantizeMatrix(data, tokens, headDim, options.bits, options.groupSize, axis)
  return { tokens, headDim, role, bits: options.bits, matrix }
}

/**
 * Reconstructs a {@link quantizeKivi} block as `[tokens * headDim]` floats.
 *
 * @example
 * dequantizeKivi(quantizeKivi(values, 8, 64, 'value', { bits: 4, groupSize: 32 }))
 */
export function dequantizeKivi(block: UniformBlock, out?: Float32Array): Float32Array {
  const target = out ?? new Float32Array(block.tokens * block.headDim)
  dequantizeMatrix(block.matrix, target)
  return target
}

/** Logical bytes of a uniform block: codes, scales, mins, per-group shape. */
export function uniformBytes(block: UniformBlock): number {
  return matrixBytes(block.matrix)
}

/** Bytes of the typed arrays a uniform block holds. */
export function uniformPhysicalBytes(block: UniformBlock): number {
  return matrixPhysicalBytes(block.matrix)
}

/** The rows `keep` of a uniform block, exactly (no re-quantization). */
export function selectUniform(block: UniformBlock, keep: Int32Array): UniformBlock {
  return { ...block, tokens: keep.length, matrix: selectMatrix(block.matrix, keep) }
}

/** Fused dequantize-dot of a uniform block. */
export function dotUniform(
  block: UniformBlock,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  dotMatrix(block.matrix, query, out, outOffset)
}

/** Fused dequantize-accumulate of a uniform block. */
export function accumulateUniform(
  block: UniformBlock,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  accumulateMatrix(block.matrix, weights, weightOffset, out)
}
