import {
  checkDecodeOut,
  checkNumberOption,
  checkOptionKeys,
  copyArray,
  StateReader,
  type Tensor,
} from '@kv/tensor'
import type { EncodeContext, KVCodec } from '@kv/tensor/contracts'
import { blockInput, checkKeep, checkOneOf, checkSpan } from '../shared/input.js'
import { blockTokensRange, groupSizeRange, residualRange } from '../shared/ranges.js'
import { balancerFromPrompt } from './balancer.js'
import type { ImportanceTiersOptions } from './importance-tiers.js'
import {
  accumulateMixed,
  decodeMixed,
  dotMixed,
  encodeMixed,
  type MixedBlock,
  mixedBytes,
  mixedPhysicalBytes,
  selectMixed,
} from './mixed-block.js'

/** Options of {@link mixedPrecision}; defaults follow MiKV (int8 for important tokens, int3 for the rest). */
export interface MixedPrecisionOptions {
  /** Tier 0 (important tokens): 4 or 8 bits, or 'fp16'. Default 8. */
  readonly high?: 4 | 8 | 'fp16'
  /** Tier 1 (tokens H2O would evict): 2, 3 or 4 bits. Default 3. */
  readonly low?: 2 | 3 | 4
  /** Channels per quantization group (per token). Default 32. */
  readonly groupSize?: number
  /** Newest tokens kept in full precision. Default 32. */
  readonly residual?: number
  /** Tokens per block encoded while decoding. Default 32. */
  readonly blockTokens?: number
  /** Apply the per-channel query/key balancer learnt in `calibrate`. Default true. */
  readonly balance?: boolean
}

/**
 * Parameters of the `mikv` method spec: the codec's (but `blockTokens`, which the spec language never
 * offered) and the tier policy's, split again when the spec is built.
 */
export type MikvParams = Omit<MixedPrecisionOptions, 'blockTokens'> & ImportanceTiersOptions

/** A mixed-precision codec, with the balancers it learnt. */
export interface MixedPrecisionCodec extends KVCodec<MixedBlock> {
  /** The balancer of a head (null before `calibrate` or with `balance: false`). */
  balancer(layer: number, head: number): Float32Array | null
}

/**
 * MiKV: two precision tiers per token (`EncodeContext.tiers`: 0 = high, 1 = low), both quantized per
 * token; keys balanced per channel by `b_c = sqrt(max|q_c| / max|k_c|)` from the prompt (`calibrate`),
 * stored as `k · b`, read by the fused dot as `(q / b) · (k · b)`; `decode` returns unbalanced keys.
 * Tier-0 tokens are within half a step of their high-precision group, tier-1 tokens of their low one
 * (in balanced units for keys). Pair it with {@link importanceTiers}.
 *
 * @example
 * const codec = mixedPrecision({ high: 8, low: 3 })
 * codec.calibrate?.(0, 0, queries, keys)
 * const block = codec.encode(keys, { role: 'key', phase: 'prefill', layer: 0, head: 0, tiers })
 */
export function mixedPrecision(options: MixedPrecisionOptions = {}): MixedPrecisionCodec {
  const where = 'mixedPrecision'
  checkOptionKeys(where, options, ['high', 'low', 'groupSize', 'residual', 'blockTokens', 'balance'])
  const high = options.high ?? 8
  const low = options.low ?? 3
  const groupSize = options.groupSize ?? 32
  const residual = options.residual ?? 32
  const blockTokens = options.blockTokens ?? 32
  const balance = options.balance ?? true
  checkOneOf(where, 'high', high, [4, 8, 'fp16'])
  checkOneOf(where, 'low', low, [2, 3, 4])
  if (high !== 'fp16' && high <= low) {
    throw new RangeError(`${where}: high (${high} bits) must be more precise than low (${low} bits)`)
  }
  if (typeof balance !== 'boolean')
    throw new TypeError(`${where}: balance must be true or false, got ${balance}`)
  checkNumberOption(where, 'groupSize', groupSize, groupSizeRange)
  checkNumberOption(where, 'residual', residual, residualRange)
  checkNumberOption(where, 'blockTokens', blockTokens, blockTokensRange)
  const balancers = new Map<string, Float32Array>()
  const key = (layer: number, head: number) => `${layer}:${head}`
  return {
    name: `mixedPrecision(${high === 'fp16' ? 'fp16' : `int${high}`}/int${low}, group ${groupSize})`,
    blockTokens,
    residual,
    tiers: 2,
    balancer: (layer, head) => balancers.get(key(layer, head)) ?? null,
    calibrate(layer: number, head: number, queries: Tensor<'f32'>, keys: Tensor<'f32'>): void {
      if (!balance) return
      const q = blockInput(`${where}.calibrate`, queries)
      const k = blockInput(`${where}.calibrate`, keys)
      if (q.headDim !== k.headDim) {
        throw new RangeError(`${where}.calibrate: queries have ${q.headDim} channels, keys ${k.headDim}`)
      }
      balancers.set(key(layer, head), balancerFromPrompt(q.data, q.tokens, k.data, k.tokens, k.headDim))
    },
    saveState() {
      const entries = [...balancers]
      return { heads: entries.map(([head]) => head), balancers: entries.map(([, b]) => b.slice()) }
    },
    loadState(state) {
      const read = new StateReader(where, state)
      const heads = read.list('heads')
      const saved = read.list('balancers')
      if (heads.length !== saved.length || heads.some((head) => typeof head !== 'string')) {
        throw new RangeError(`${where}: saved heads and balancers do not pair up`)
      }
      const restored = saved.map((b, i) =>
        copyArray(b, Float32Array, () => {
          throw new TypeError(`${where}: saved balancers[${i}] must be a Float32Array`)
        }),
      )
      balancers.clear()
      heads.forEach((head, i) => {
        balancers.set(head as string, restored[i]!)
      })
    },
    encode(block: Tensor<'f32'>, context: EncodeContext): MixedBlock {
      const { data, tokens, headDim } = blockInput(`${where}.encode`, block)
      const tiers = context.tiers ?? new Uint8Array(tokens)
      if (tiers.length < tokens) {
        throw new RangeError(
          `${where}.encode: context.tiers has ${tiers.length} entries, block has ${tokens} tokens`,
        )
      }
      for (let t = 0; t < tokens; t++) {
        if (tiers[t]! > 1)
          throw new RangeError(`${where}.encode: context.tiers[${t}] = ${tiers[t]}, tiers are 0 and 1`)
      }
      let b: Float32Array | null = null
      if (context.role === 'key' && balance) {
        b = balancers.get(key(context.layer, context.head)) ?? null
        if (b !== null && b.length !== headDim) {
          throw new RangeError(`${where}.encode: balancer has ${b.length} channels, block has ${headDim}`)
        }
      }
      return encodeMixed(data, tokens, headDim, context.role, tiers, b, { high, low, groupSize })
    },
    decode(block, out) {
      checkDecodeOut(`${where}.decode`, out, block.tokens, block.headDim)
      return decodeMixed(block, out)
    },
    bytes: mixedBytes,
    physicalBytes: mixedPhysicalBytes,
    select(block, keep) {
      checkKeep(`${where}.select`, keep, block.tokens)
      return selectMixed(block, keep)
    },
    dot(block, query, out, outOffset) {
      checkSpan(`${where}.dot`, 'out', out.length, outOffset, block.tokens)
      dotMixed(block, query, out, outOffset)
    },
    accumulate(block, weights, weightOffset, out) {
      checkSpan(`${where}.accumulate`, 'weights', weights.length, weightOffset, block.tokens)
      accumulateMixed(block, weights, weightOffset, out)
    },
  }
}
