import type { KVCache } from '@kv/cache'
import { DecodeBuffers } from './decode-buffers.js'
import { decodeAfterAttention, decodeBeforeAttention } from './decode-layer.js'
import { finalLogits } from './logits.js'
import type { Model } from './model.js'

/** Per cache, not per model: steps of different sequences may interleave at their awaits. */
const buffersOf = new WeakMap<KVCache, DecodeBuffers>()
const running = new WeakSet<KVCache>()

/**
 * The decode loop, for the CPU and accelerators alike: one token through every layer its exit schedule
 * runs. Each layer appends its key and value, then attends through the cache: on the CPU at once, or on
 * the cache's accelerator, whose answer is awaited (a lost device falls back to the CPU inside the
 * cache). Returns the next-token logits `[vocab]`. A step that throws leaves the cache as it was.
 */
export async function decodeStep(model: Model, token: number, cache: KVCache): Promise<Float32Array> {
  if (running.has(cache)) throw new Error('step: the previous step of this cache has not finished')
  let b = buffersOf.get(cache)
  if (b === undefined) {
    b = new DecodeBuffers(model.config)
    buffersOf.set(cache, b)
  }
  const position = cache.length
  const { hiddenSize, numLayers } = model.config
  b.hidden.set(model.weights.embedding.subarray(token * hiddenSize, (token + 1) * hiddenSize))
  const mask = b.layerMask
  if (cache.options.exit) cache.options.exit.layers(position, numLayers, mask)
  else mask.fill(1)
  running.add(cache)
  try {
    for (let layer = 0; layer < numLayers; layer++) {
      if (!mask[layer]) continue
      decodeBeforeAttention(model, layer, position, cache, b)
      if (cache.accelerated) await cache.attendAsync(layer, b.q, b.attention)
      else cache.attend(layer, b.q, b.attention)
      decodeAfterAttention(model, layer, b)
    }
    cache.endStep({ phase: 'decode', tokens: 1 })
  } catch (error) {
    // All or nothing: the cache goes back to where it was before this token (it has already, when a
    // plug-in threw inside one of its calls).
    cache.abortStep()
    throw error
  } finally {
    running.delete(cache)
  }
  return finalLogits(model, b.hidden)
}
