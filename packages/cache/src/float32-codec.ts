import { checkDecodeOut, type Tensor } from '@kv/tensor'
import type { EncodeContext, EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import { gatherRows } from './gather-rows.js'

/** A block stored as plain float32 rows. */
export interface Float32Block extends EncodedBlock {
  readonly rows: Float32Array
}

/**
 * The do-nothing codec: blocks are stored as float32 rows, exactly. A cache built with it (and no
 * policy) gives logits bit-identical to the plain full cache; it is also the storage under a layer merger
 * when no codec is given.
 *
 * @example
 * const cache = model.createCache({ codec: float32Codec() })
 */
export function float32Codec(
  options: { blockTokens?: number; residual?: number } = {},
): KVCodec<Float32Block> {
  const blockTokens = options.blockTokens ?? 64
  const residual = options.residual ?? 0
  return {
    name: 'float32',
    blockTokens,
    residual,
    tiers: 1,
    encode(block: Tensor<'f32'>, context: EncodeContext): Float32Block {
      const [tokens, headDim] = block.shape as [number, number]
      const rows = block.contiguous().data.slice(0, tokens * headDim)
      for (let i = 0; i < rows.length; i++) {
        if (!Number.isFinite(rows[i]!)) {
          throw new RangeError(
            `float32 codec: ${context.role} block has ${rows[i]} at row ${Math.floor(i / headDim)}, column ${i % headDim}`,
          )
        }
      }
      return { tokens, headDim, role: context.role, rows }
    },
    decode(block, out) {
      if (!out) return block.rows.slice()
      checkDecodeOut('float32 codec.decode', out, block.tokens, block.headDim)
      out.set(block.rows)
      return out
    },
    bytes: (block) => block.rows.byteLength,
    physicalBytes: (block) => block.rows.byteLength,
    select(block, keep) {
      const rows = gatherRows(block.rows, block.headDim, keep, (n) => new Float32Array(n))
      return { tokens: keep.length, headDim: block.headDim, role: block.role, rows }
    },
  }
}
