import { applyRope } from '@kv/tensor'
import type { AttentionAccelerator } from '../cache/accelerator.js'
import type { KVCache } from '../cache/kv-cache.js'
import { DecodeBuffers } from '../decoder/decode-buffers.js'
import { decodeAfterAttention, decodeBeforeAttention } from '../decoder/decode-layer.js'
import { finalLogits } from '../decoder/logits.js'
import type { Model } from '../decoder/model.js'

/**
 * An accelerator that attends asynchronously (WebGPU reads back through `mapAsync`).
 *
 * @example
 * const served = await accelerator.attendAsync(layer, rotatedQueries, position, out)
 */
export interface AsyncAttention extends AttentionAccelerator {
  attendAsync(layer: number, queries: Float32Array, position: number, out: Float32Array): Promise<boolean>
}

interface StepBuffers extends DecodeBuffers {
  /** The queries rotated for the device; `q` stays unrotated for the cache's CPU path. */
  readonly rotated: Float32Array
}

/** Per cache, not per model: steps of different sequences may interleave at their awaits. */
const buffersOf = new WeakMap<KVCache, StepBuffers>()
const running = new WeakSet<KVCache>()

function isAsync(accelerator: AttentionAccelerator | undefined): accelerator is AsyncAttention {
  return typeof (accelerator as Partial<AsyncAttention> | undefined)?.attendAsync === 'function'
}

/** Whether a cache's decode steps should go through `stepOnGpu` (its accelerator still serves asynchronously). */
export function attendsAsync(cache: KVCache): boolean {
  return isAsync(cache.options.accelerator) && cache.acceleratorLost === undefined
}

/**
 * `model.step` with each layer's decode attention awaited on the cache's accelerator: the projections,
 * RoPE, MLP and logits run on the CPU exactly as in `model.step`; attention runs on the device and its
 * output is read back before the next layer. When the device is lost (or the accelerator stopped), the
 * layer and every later one attend on the CPU through `cache.attend`, over the cache's own copy of
 * every token, so the sequence goes on. Returns the next-token logits `[vocab]`.
 *
 * @example
 * const cache = model.createCache({ accelerator: await webgpuAccelerator(model.config) })
 * let logits = model.prefill(prompt, cache, { lastOnly: true })
 * logits = await stepOnGpu(model, nextToken, cache)
 */
export async function stepOnGpu(model: Model, token: number, cache: KVCache): Promise<Float32Array> {
  const { vocabSize, numHeads, headDim } = model.config
  if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
    throw new RangeError(`stepOnGpu: token = ${token} is outside the vocabulary [0, ${vocabSize})`)
  }
  const accelerator = cache.options.accelerator
  if (!isAsync(accelerator)) {
    throw new TypeError(
      `stepOnGpu: the cache has no asynchronous accelerator (got ${accelerator?.name ?? 'none'}); create it with model.createCache({ accelerator: await webgpuAccelerator(model.config) })`,
    )
  }
  if (running.has(cache)) throw new Error('stepOnGpu: the previous step of this cache has not finished')
  let b = buffersOf.get(cache)
  if (b === undefined) {
    b = Object.assign(new DecodeBuffers(model.config), { rotated: new Float32Array(numHeads * headDim) })
    buffersOf.set(cache, b)
  }
  running.add(cache)
  try {
    return await decodeLayers(model, token, cache, accelerator, b)
  } finally {
    running.delete(cache)
  }
}

async function decodeLayers(
  model: Model,
  token: number,
  cache: KVCache,
  accelerator: AsyncAttention,
  b: StepBuffers,
): Promise<Float32Array> {
  const { numLayers, numHeads, headDim } = model.config
  const position = cache.length
  const hiddenSize = model.config.hiddenSize
  b.hidden.set(model.weights.embedding.subarray(token * hiddenSize, (token + 1) * hiddenSize))
  const mask = b.layerMask
  if (cache.options.exit) cache.options.exit.layers(position, numLayers, mask)
  else mask.fill(1)
  for (let layer = 0; layer < numLayers; layer++) {
    if (!mask[layer]) continue
    decodeBeforeAttention(model, layer, position, cache, b)
    // The cache records why it dropped an accelerator; from then on its CPU path is the only one.
    let served = false
    if (cache.acceleratorLost === undefined) {
      b.rotated.set(b.q)
      for (let head = 0; head < numHeads; head++)
        applyRope(b.rotated, head * headDim, headDim, position, model.invFreq)
      served = await accelerator.attendAsync(layer, b.rotated, position, b.attention)
    }
    // On a lost device the cache's own `attend` asks the accelerator, hears false, drops it for good
    // and attends on the CPU.
    if (!served) cache.attend(layer, b.q, position, b.attention)
    decodeAfterAttention(model, layer, b)
  }
  cache.length = position + 1
  cache.endStep('decode')
  return finalLogits(model, b.hidden)
}
