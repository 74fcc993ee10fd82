/**
 * Attention on another device (WebGPU): the cache forwards every appended token and asks it for the
 * attention output of each decode step through `KVCache.attendAsync`. The cache's own stores keep their
 * copy, so when the device is lost (`attend` resolves false, or rejects) the cache goes on with CPU
 * attention without losing a token.
 */
export interface AttentionAccelerator {
  readonly name: string
  /** Whether `attend` reports attention weights (policies that read attention need them). */
  readonly producesAttention: boolean
  /** Stores rows of rotated keys and values of a layer, `[tokens, numKVHeads·headDim]`, at `positions`. */
  append(layer: number, keys: Float32Array, values: Float32Array, positions: Int32Array): void
  /**
   * Attention of one decode step: `queries` `[numHeads·headDim]` already rotated at `position`; writes
   * `out` `[numHeads·headDim]`. Resolves false when it can no longer serve (device lost): the cache then
   * falls back to the CPU for good.
   */
  attend(layer: number, queries: Float32Array, position: number, out: Float32Array): Promise<boolean>
  /** Bytes the device holds. */
  deviceBytes(): number
}
