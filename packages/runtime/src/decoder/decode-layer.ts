import { applyRope, gemv, rmsNorm, swiglu } from '@kv/tensor'
import type { KVCache } from '../cache/kv-cache.js'
import type { DecodeBuffers } from './decode-buffers.js'
import type { Model } from './model.js'

/** One decoder layer for one token: attention through the cache, then the SwiGLU MLP, both residual. */
export function decodeLayer(
  model: Model,
  layer: number,
  position: number,
  cache: KVCache,
  b: DecodeBuffers,
): void {
  const { hiddenSize, numHeads, numKVHeads, headDim, intermediateSize, rmsNormEps } = model.config
  const w = model.weights.layers[layer]!
  rmsNorm(b.hidden, w.inputNorm, b.normed, 1, hiddenSize, rmsNormEps)
  gemv(w.q, b.normed, b.q, numHeads * headDim, hiddenSize)
  gemv(w.k, b.normed, b.k, numKVHeads * headDim, hiddenSize)
  gemv(w.v, b.normed, b.v, numKVHeads * headDim, hiddenSize)
  for (let head = 0; head < numKVHeads; head++)
    applyRope(b.k, head * headDim, headDim, position, model.invFreq)
  cache.append(layer, b.k, b.v, position)
  cache.attend(layer, b.q, position, b.attention)
  gemv(w.o, b.attention, b.projected, hiddenSize, numHeads * headDim)
  for (let i = 0; i < hiddenSize; i++) b.hidden[i]! += b.projected[i]!
  rmsNorm(b.hidden, w.postNorm, b.normed, 1, hiddenSize, rmsNormEps)
  gemv(w.gate, b.normed, b.gate, intermediateSize, hiddenSize)
  gemv(w.up, b.normed, b.up, intermediateSize, hiddenSize)
  swiglu(b.gate, b.up, b.gate, intermediateSize)
  gemv(w.down, b.gate, b.projected, hiddenSize, intermediateSize)
  for (let i = 0; i < hiddenSize; i++) b.hidden[i]! += b.projected[i]!
}
