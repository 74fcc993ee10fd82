import { checkDecodeOut, checkNumberOption, checkOptionKeys, type Tensor } from '@kv/tensor'
import type { EncodeContext, KVCodec } from '@kv/tensor/contracts'
import { blockInput, checkKeep, checkOneOf, checkSpan } from '../shared/input.js'
import { blockTokensRange, groupSizeRange, residualRange } from '../shared/ranges.js'
import {
  accumulateUniform,
  dequantizeKivi,
  dotUniform,
  quantizeKivi,
  selectUniform,
  UNIFORM_BITS,
  type UniformBlock,
  uniformBytes,
  uniformPhysicalBytes,
} from './kivi.js'

/** Options of {@link uniform} (KIVI). */
export interface UniformOptions {
  /** Bits per code: 2, 3, 4 or 8. Default 4. */
  readonly bits?: number
  /** Tokens per key group (per channel) and channels per value group (per token). Default 32. */
  readonly groupSize?: number
  /** Newest tokens kept in full precision. Default 128. */
  readonly residual?: number
  /** Tokens per block encoded while decoding. Default `groupSize`. */
  readonly blockTokens?: number
}

/** Parameters of the `kivi` method spec: {@link UniformOptions} with `bits` narrowed to the supported set. */
export interface UniformParams extends UniformOptions {
  readonly bits?: (typeof UNIFORM_BITS)[number]
}

/**
 * KIVI: asymmetric round-to-nearest quantization, keys per channel over groups of `groupSize` tokens,
 * values per token over groups of `groupSize` channels, the newest `residual` tokens kept in full
 * precision by the cache. Error bound: every element within `scale / 2` of its group.
 *
 * @example
 * const codec = uniform({ bits: 2, groupSize: 32, residual: 128 })
 * const block = codec.encode(Tensor.fromF32(keys, [32, 64]), { role: 'key', phase: 'decode', layer: 0, head: 0 })
 * codec.decode(block) // ≈ keys
 */
export function uniform(options: UniformOptions = {}): KVCodec<UniformBlock> {
  const where = 'uniform'
  checkOptionKeys(where, options, ['bits', 'groupSize', 'residual', 'blockTokens'])
  const bits = options.bits ?? 4
  const groupSize = options.groupSize ?? 32
  const residual = options.residual ?? 128
  const blockTokens = options.blockTokens ?? groupSize
  checkOneOf(where, 'bits', bits, UNIFORM_BITS)
  checkNumberOption(where, 'groupSize', groupSize, groupSizeRange)
  checkNumberOption(where, 'residual', residual, residualRange)
  checkNumberOption(where, 'blockTokens', blockTokens, blockTokensRange)
  return {
    name: `uniform(${bits}-bit, group ${groupSize})`,
    blockTokens,
    residual,
    tiers: 1,
    encode(block: Tensor<'f32'>, context: EncodeContext): UniformBlock {
      const { data, tokens, headDim } = blockInput(`${where}.encode`, block)
      return quantizeKivi(data, tokens, headDim, context.role, { bits, groupSize })
    },
    decode(block, out) {
      checkDecodeOut(`${where}.decode`, out, block.tokens, block.headDim)
      return dequantizeKivi(block, out)
    },
    bytes: uniformBytes,
    physicalBytes: uniformPhysicalBytes,
    select(block, keep) {
      checkKeep(`${where}.select`, keep, block.tokens)
      return selectUniform(block, keep)
    },
    dot(block, query, out, outOffset) {
      checkSpan(`${where}.dot`, 'out', out.length, outOffset, block.tokens)
      dotUniform(block, query, out, outOffset)
    },
    accumulate(block, weights, weightOffset, out) {
      checkSpan(`${where}.accumulate`, 'weights', weights.length, weightOffset, block.tokens)
      accumulateUniform(block, weights, weightOffset, out)
    },
  }
}
