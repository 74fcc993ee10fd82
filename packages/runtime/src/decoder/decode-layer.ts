import type { KVCache } from '@kv/cache'
import { applyRope, rmsNorm, swiglu } from '@kv/tensor'
import type { DecodeBuffers } from './decode-buffers.js'
import type { Model } from './model.js'

/** Input norm, q/k/v projections, RoPE on the keys, keys and values appended to the cache. */
export function decodeBeforeAttention(
  model: Model,
  layer: number,
  position: number,
  cache: KVCache,
  b: DecodeBuffers,
): void {
  const { hiddenSize, numKVHeads, headDim, rmsNormEps } = model.config
  const w = model.weights.layers[layer]!
  const p = model.projections[layer]!
  rmsNorm(b.hidden, w.inputNorm, b.normed, 1, hiddenSize, rmsNormEps)
  p.q.gemv(b.normed, b.q)
  p.k.gemv(b.normed, b.k)
  p.v.gemv(b.normed, b.v)
  for (let head = 0; head < numKVHeads; head++)
    applyRope(b.k, head * headDim, headDim, position, model.invFreq)
  cache.append(layer, b.k, b.v)
}

/** Output projection and residual, then the SwiGLU MLP and residual. */
export function decodeAfterAttention(model: Model, layer: number, b: DecodeBuffers): void {
  const { hiddenSize, intermediateSize, rmsNormEps } = model.config
  const w = model.weights.layers[layer]!
  const p = model.projections[layer]!
  p.o.gemv(b.attention, b.projected)
  for (let i = 0; i < hiddenSize; i++) b.hidden[i]! += b.projected[i]!
  rmsNorm(b.hidden, w.postNorm, b.normed, 1, hiddenSize, rmsNormEps)
  p.gate.gemv(b.normed, b.gate)
  p.up.gemv(b.normed, b.up)
  swiglu(b.gate, b.up, b.gate, intermediateSize)
  p.down.gemv(b.gate, b.projected)
  for (let i = 0; i < hiddenSize; i++) b.hidden[i]! += b.projected[i]!
}
