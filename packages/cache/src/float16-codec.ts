import {
  checkDecodeOut,
  checkNumberOption,
  checkOptionKeys,
  dotRowsMany,
  f16ArrayToF32,
  f32ArrayToF16,
  type Tensor,
} from '@kv/tensor'
import type { EncodeContext, EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import { gatherRows } from './gather-rows.js'

/** Tokens per block encoded while decoding: [1, 4096]. */
export const blockTokensRange = { integer: true, min: 1, max: 4096 } as const
/** Newest tokens kept in float32: [0, 2²⁰]. */
export const residualRange = { integer: true, min: 0, max: 1_048_576 } as const

/** A block stored as float16 bit patterns. */
export interface Float16Block extends EncodedBlock {
  readonly halves: Uint16Array
}

/**
 * Plain float16 storage (round-to-nearest-even): the baseline every compression ratio is measured
 * against, as a codec, so that a cache can hold exactly a float16 cache's bytes. Error: half an ulp of
 * float16 per element (relative 2⁻¹¹), overflow to ±Infinity refused.
 *
 * @example
 * const cache = model.createCache({ codec: float16Codec() })
 */
export function float16Codec(
  options: { blockTokens?: number; residual?: number } = {},
): KVCodec<Float16Block> {
  checkOptionKeys('float16Codec', options, ['blockTokens', 'residual'])
  const blockTokens = checkNumberOption(
    'float16Codec',
    'blockTokens',
    options.blockTokens ?? 16,
    blockTokensRange,
  )
  const residual = checkNumberOption('float16Codec', 'residual', options.residual ?? 0, residualRange)
  let scratch = new Float32Array(0)
  const rows = (block: Float16Block) => {
    if (scratch.length < block.halves.length) scratch = new Float32Array(block.halves.length)
    return f16ArrayToF32(block.halves, scratch.subarray(0, block.halves.length))
  }
  return {
    name: 'float16',
    blockTokens,
    residual,
    tiers: 1,
    encode(block: Tensor<'f32'>, context: EncodeContext): Float16Block {
      const [tokens, headDim] = block.shape as [number, number]
      const data = block.contiguous().data.subarray(0, tokens * headDim)
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!) || Math.abs(data[i]!) > 65504) {
          throw new RangeError(
            `float16 codec: ${context.role} row ${Math.floor(i / headDim)}, column ${i % headDim} is ${data[i]}, outside float16`,
          )
        }
      }
      return { tokens, headDim, role: context.role, halves: f32ArrayToF16(data) }
    },
    decode(block, out) {
      checkDecodeOut('float16 codec.decode', out, block.tokens, block.headDim)
      const decoded = f16ArrayToF32(block.halves, out?.subarray(0, block.halves.length))
      return out ?? decoded
    },
    bytes: (block) => block.halves.byteLength,
    physicalBytes: (block) => block.halves.byteLength,
    select(block, keep) {
      const halves = gatherRows(block.halves, block.headDim, keep, (n) => new Uint16Array(n))
      return { tokens: keep.length, headDim: block.headDim, role: block.role, halves }
    },
    dot(block, query, out, outOffset) {
      dotRowsMany(query, 1, rows(block), 0, block.tokens, block.headDim, out, [outOffset])
    },
    accumulate(block, weights, weightOffset, out) {
      const values = rows(block)
      const { headDim } = block
      for (let t = 0; t < block.tokens; t++) {
        const w = weights[weightOffset + t]!
        for (let d = 0; d < headDim; d++) out[d]! += w * values[t * headDim + d]!
      }
    },
  }
}
