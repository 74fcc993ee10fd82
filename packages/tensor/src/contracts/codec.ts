import type { Tensor } from '../tensor/tensor.js'
import type { PlainState } from './state.js'

/** Whether a block holds keys or values: codecs group keys per channel and values per token. */
export type KVRole = 'key' | 'value'

/** When a block is encoded: once over the prompt (`prefill`) or as decoding fills a block (`decode`). */
export type CachePhase = 'prefill' | 'decode'

/**
 * An encoded block of keys or values of one head: `tokens` rows of `headDim` numbers. Everything else
 * inside is the codec's own business; the cache only counts tokens and asks the codec for bytes.
 */
export interface EncodedBlock {
  readonly tokens: number
  readonly headDim: number
  readonly role: KVRole
}

/** What the cache tells a codec about the block it is encoding. */
export interface EncodeContext {
  readonly role: KVRole
  readonly phase: CachePhase
  readonly layer: number
  readonly head: number
  /** Precision tier of each token (0 = the codec's most precise tier); absent means all tier 0. */
  readonly tiers?: Uint8Array
}

/**
 * How a block of keys or values is stored. A codec is stateless across heads except for what it learns
 * in `calibrate` (per layer and head), so one instance serves a whole cache.
 *
 * The cache keeps the newest tokens of each head in full precision and hands the oldest `blockTokens` of
 * them to `encode` once `residual + blockTokens` are waiting; at the end of a prefill it may hand over one
 * larger block. `decode(encode(x))` must stay within the codec's documented error bound of `x`.
 *
 * @example
 * const codec: KVCodec = uniform({ bits: 4, groupSize: 32, residual: 128 })
 * const block = codec.encode(Tensor.fromF32(keys, [64, 64]), { role: 'key', phase: 'decode', layer: 0, head: 0 })
 * codec.decode(block) // ≈ keys
 */
export interface KVCodec<B extends EncodedBlock = EncodedBlock> {
  readonly name: string
  /** Tokens per block encoded while decoding. */
  readonly blockTokens: number
  /** Newest tokens of each head always kept in full precision (KIVI's residual). */
  readonly residual: number
  /** Number of precision tiers (1 for a single-precision codec). */
  readonly tiers: number
  /** Encodes a contiguous `[tokens, headDim]` float32 block. Throws on NaN or infinite input. */
  encode(block: Tensor<'f32'>, context: EncodeContext): B
  /** Reconstructs the block as `[tokens * headDim]` floats, into `out` when given. */
  decode(block: B, out?: Float32Array): Float32Array
  /** Logical bytes: data, scales, zero points, factors, outlier values and indices, metadata. */
  bytes(block: B): number
  /** Bytes of the typed arrays the block holds right now (at least `bytes` of the data it keeps). */
  physicalBytes(block: B): number
  /** The block restricted to the rows `keep` (ascending), freeing the others exactly, without re-quantizing. */
  select?(block: B, keep: Int32Array): B
  /** Fused dequantize-dot: `out[outOffset + t] = query · row t` for every row, without decoding the block. */
  dot?(block: B, query: Float32Array, out: Float32Array, outOffset: number): void
  /** Fused dequantize-accumulate: `out += Σ_t weights[weightOffset + t] · row t`. */
  accumulate?(block: B, weights: Float32Array, weightOffset: number, out: Float32Array): void
  /**
   * The cache is done with `block` (dropped, or replaced by `select` or a re-encode): a codec whose blocks
   * share storage lets go of the shared part here. Plain codecs need not implement it.
   */
  release?(block: B): void
  /** Sees the prompt's queries and keys of a head before its first block is encoded (MiKV's balancer). */
  calibrate?(layer: number, head: number, queries: Tensor<'f32'>, keys: Tensor<'f32'>): void
  /** The calibration learnt so far (see `Stateful`); a codec that calibrates implements both. */
  saveState?(): PlainState
  loadState?(state: PlainState): void
}
