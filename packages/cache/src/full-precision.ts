import type { Tensor } from '@kv/tensor'
import type { EncodeContext, KVCodec } from '@kv/tensor/contracts'
import type { Float32Block } from './float32-codec.js'

/** The name of the default codec: a cache built with it holds every token as float32 rows. */
export const FULL_PRECISION = 'full'

/**
 * The default codec: nothing is ever encoded. Its residual is infinite, so every token stays in the
 * full-precision window of its head (float32 rows, 4 bytes a number) and attention reads the rows in
 * place; `encode` (reached only through a policy that rewrites a block, which cannot happen here) stores
 * float32 rows exactly.
 *
 * @example
 * const cache = new KVCache(shape, { codec: fullPrecision() }) // the same as new KVCache(shape, {})
 */
export function fullPrecision(): KVCodec<Float32Block> {
  return {
    name: FULL_PRECISION,
    blockTokens: 1,
    residual: Number.POSITIVE_INFINITY,
    tiers: 1,
    encode(block: Tensor<'f32'>, context: EncodeContext): Float32Block {
      const [tokens, headDim] = block.shape as [number, number]
      return { tokens, headDim, role: context.role, rows: block.contiguous().data.slice(0, tokens * headDim) }
    },
    decode(block, out) {
      if (!out) return block.rows.slice()
      out.set(block.rows)
      return out
    },
    bytes: (block) => block.rows.byteLength,
    physicalBytes: (block) => block.rows.byteLength,
  }
}
