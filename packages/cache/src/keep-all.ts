import type { KVPolicy } from '@kv/tensor/contracts'

/**
 * The do-nothing policy: plans nothing, so every token stays. With `float32Codec()` it builds a cache
 * whose logits are bit-identical to the plain full cache (a check of the plug-in plumbing).
 *
 * @example
 * const cache = new KVCache(shape, { policy: keepAll(), codec: float32Codec() })
 */
export function keepAll(): KVPolicy {
  return { name: 'keepAll', needsAttention: false, plan: () => null }
}
