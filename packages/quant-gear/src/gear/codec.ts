import { checkDecodeOut, checkNumberOption, checkOptionKeys, type Tensor } from '@kv/tensor'
import type { EncodeContext, KVCodec } from '@kv/tensor/contracts'
import { blockInput, checkKeep, checkOneOf, checkSpan } from '../shared/input.js'
import {
  blockTokensRange,
  groupSizeRange,
  iterationsRange,
  outliersRange,
  rankRange,
  residualRange,
} from '../shared/ranges.js'
import { UNIFORM_BITS } from '../uniform/kivi.js'
import {
  accumulateGear,
  decodeGear,
  dotGear,
  encodeGear,
  type GearBlock,
  gearBytes,
  gearPhysicalBytes,
  selectGear,
} from './gear-block.js'

/** Options of {@link gear}; defaults are the GEAR paper's. */
export interface GearOptions {
  /** Bits of the quantized backbone: 2, 3, 4 or 8. Default 4. */
  readonly bits?: number
  /** Group size along tokens (keys, per channel) and channels (values, per token). Default 64. */
  readonly groupSize?: number
  /** Rank of the residual approximation for blocks encoded at prefill. Default 4. */
  readonly rankPrefill?: number
  /** Rank for blocks encoded while decoding. Default 2. */
  readonly rankDecode?: number
  /** Fraction of each line kept exactly as sparse outliers, in [0, 0.5). Default 0.02. */
  readonly outliers?: number
  /** Power iterations of the low-rank step. Default 3. */
  readonly iterations?: number
  /** Tokens per block encoded while decoding (GEAR's streaming buffer). Default 64. */
  readonly blockTokens?: number
  /** Newest tokens kept in full precision. Default 0 (the streaming buffer plays that role). */
  readonly residual?: number
}

/** Parameters of the `gear` method spec: {@link GearOptions} with `bits` narrowed to the supported set. */
export interface GearParams extends GearOptions {
  readonly bits?: (typeof UNIFORM_BITS)[number]
}

/** Parameters of the `gear-l` method spec: those of `gear` without outliers. */
export type GearLParams = Omit<GearParams, 'outliers'>

export { MAX_GEAR_ITERATIONS, MAX_GEAR_RANK } from '../shared/ranges.js'

const GEAR_L_KEYS = [
  'bits',
  'groupSize',
  'rankPrefill',
  'rankDecode',
  'iterations',
  'blockTokens',
  'residual',
]

/**
 * GEAR: KIVI-style quantization (keys per channel, values per token) plus a low-rank approximation of the
 * quantization residual plus sparse outliers kept exactly: `x ≈ deq(q) + A·Bᵀ + S`. Reconstruction error
 * (Frobenius) is never larger than `uniform` at the same bits and group size on the same block.
 *
 * @example
 * const codec = gear({ bits: 4, groupSize: 64, rankPrefill: 4, rankDecode: 2, outliers: 0.02 })
 * const block = codec.encode(Tensor.fromF32(values, [64, 64]), { role: 'value', phase: 'prefill', layer: 0, head: 0 })
 * codec.decode(block) // ≈ values
 */
export function gear(options: GearOptions = {}): KVCodec<GearBlock> {
  checkOptionKeys('gear', options, [...GEAR_L_KEYS, 'outliers'])
  return makeGear('gear', options, options.outliers ?? 0.02)
}

/**
 * GEAR-L: GEAR without outliers (quantization + low-rank residual only).
 *
 * @example
 * const codec = gearL({ bits: 2, rankPrefill: 4, rankDecode: 2 })
 */
export function gearL(options: Omit<GearOptions, 'outliers'> = {}): KVCodec<GearBlock> {
  checkOptionKeys('gearL', options, GEAR_L_KEYS)
  return makeGear('gearL', options, 0)
}

function makeGear(where: string, options: GearOptions, outliers: number): KVCodec<GearBlock> {
  const bits = options.bits ?? 4
  const groupSize = options.groupSize ?? 64
  const rankPrefill = options.rankPrefill ?? 4
  const rankDecode = options.rankDecode ?? 2
  const iterations = options.iterations ?? 3
  const blockTokens = options.blockTokens ?? 64
  const residual = options.residual ?? 0
  checkOneOf(where, 'bits', bits, UNIFORM_BITS)
  checkNumberOption(where, 'groupSize', groupSize, groupSizeRange)
  checkNumberOption(where, 'rankPrefill', rankPrefill, rankRange)
  checkNumberOption(where, 'rankDecode', rankDecode, rankRange)
  checkNumberOption(where, 'iterations', iterations, iterationsRange)
  checkNumberOption(where, 'blockTokens', blockTokens, blockTokensRange)
  checkNumberOption(where, 'residual', residual, residualRange)
  checkNumberOption(where, 'outliers', outliers, outliersRange)
  return {
    name: `${where}(${bits}-bit, group ${groupSize}, rank ${rankPrefill}/${rankDecode}, outliers ${outliers})`,
    blockTokens,
    residual,
    tiers: 1,
    encode(block: Tensor<'f32'>, context: EncodeContext): GearBlock {
      const { data, tokens, headDim } = blockInput(`${where}.encode`, block)
      const rank = context.phase === 'prefill' ? rankPrefill : rankDecode
      // a fixed seed per layer and head: encoding the same block twice gives the same factors
      const seed = context.layer * 4099 + context.head * 131 + (context.role === 'key' ? 1 : 2)
      return encodeGear(data, tokens, headDim, context.role, {
        bits,
        groupSize,
        rank,
        outliers,
        iterations,
        seed,
      })
    },
    decode(block, out) {
      checkDecodeOut(`${where}.decode`, out, block.tokens, block.headDim)
      return decodeGear(block, out)
    },
    bytes: gearBytes,
    physicalBytes: gearPhysicalBytes,
    select(block, keep) {
      checkKeep(`${where}.select`, keep, block.tokens)
      return selectGear(block, keep)
    },
    dot(block, query, out, outOffset) {
      checkSpan(`${where}.dot`, 'out', out.length, outOffset, block.tokens)
      dotGear(block, query, out, outOffset)
    },
    accumulate(block, weights, weightOffset, out) {
      checkSpan(`${where}.accumulate`, 'weights', weights.length, weightOffset, block.tokens)
      accumulateGear(block, weights, weightOffset, out)
    },
  }
}
