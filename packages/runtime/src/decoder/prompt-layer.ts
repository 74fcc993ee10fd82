import type { KVCache } from '@kv/cache'
import { applyRope, rmsNorm, swiglu } from '@kv/tensor'
import type { Model } from './model.js'
import { promptAttention, promptAttentionBuffers } from './prompt-attention.js'

/**
 * What a caller may observe of a prompt, layer by layer (tools: similarity across layers, head
 * detection, captured keys and queries for retrieval benchmarks).
 */
export interface PromptTrace {
  /** Rotated queries `[tokens, numHeads·headDim]`, rotated keys and values `[tokens, numKVHeads·headDim]`. */
  onLayer?(
    layer: number,
    queries: Float32Array,
    keys: Float32Array,
    values: Float32Array,
    tokens: number,
  ): void
  /** Causal attention weights of one query head, `[tokens, tokens]` row-major (valid during the call). */
  onAttention?(layer: number, head: number, weights: Float32Array, tokens: number): void
}

/**
 * One decoder layer over the prompt rows that run it (`rows` null: all), in place on `hidden`
 * `[tokens, hiddenSize]`; stores the layer's keys and values in the cache.
 */
export function promptLayer(
  model: Model,
  layer: number,
  hidden: Float32Array,
  positions: Int32Array,
  rows: Int32Array | null,
  cache: KVCache,
  trace: PromptTrace | undefined,
): void {
  const { hiddenSize, numHeads, numKVHeads, headDim, intermediateSize, rmsNormEps } = model.config
  const w = model.weights.layers[layer]!
  const p = model.projections[layer]!
  const tokens = rows ? rows.length : positions.length
  if (tokens === 0) return
  const x = rows ? gather(hidden, rows, hiddenSize) : hidden
  const layerPositions = rows ? Int32Array.from(rows, (r) => positions[r]!) : positions
  const qWidth = numHeads * headDim
  const kvWidth = numKVHeads * headDim

  const normed = new Float32Array(tokens * hiddenSize)
  rmsNorm(x, w.inputNorm, normed, tokens, hiddenSize, rmsNormEps)
  const q = new Float32Array(tokens * qWidth)
  const k = new Float32Array(tokens * kvWidth)
  const v = new Float32Array(tokens * kvWidth)
  p.q.matmulTransB(normed, tokens, q)
  p.k.matmulTransB(normed, tokens, k)
  p.v.matmulTransB(normed, tokens, v)
  for (let t = 0; t < tokens; t++) {
    const position = layerPositions[t]!
    for (let head = 0; head < numHeads; head++)
      applyRope(q, t * qWidth + head * headDim, headDim, position, model.invFreq)
    for (let head = 0; head < numKVHeads; head++)
      applyRope(k, t * kvWidth + head * headDim, headDim, position, model.invFreq)
  }
  trace?.onLayer?.(layer, q, k, v, tokens)

  const needsSums = cache.options.policy?.needsAttention === true
  const columnSums = needsSums
    ? Array.from({ length: numKVHeads }, () => new Float32Array(tokens))
    : undefined
  const attended = new Float32Array(tokens * qWidth)
  const onWeights = trace?.onAttention
    ? (head: number, weights: Float32Array) => trace.onAttention!(layer, head, weights, tokens)
    : undefined
  promptAttention(
    q,
    k,
    v,
    tokens,
    numHeads,
    numKVHeads,
    headDim,
    attended,
    promptAttentionBuffers(tokens, headDim),
    columnSums,
    onWeights,
  )
  cache.append(layer, k, v, {
    positions: layerPositions,
    queries: q,
    ...(columnSums ? { attention: columnSums } : {}),
  })

  const projected = new Float32Array(tokens * hiddenSize)
  p.o.matmulTransB(attended, tokens, projected)
  for (let i = 0; i < x.length; i++) x[i]! += projected[i]!
  rmsNorm(x, w.postNorm, normed, tokens, hiddenSize, rmsNormEps)
  const gate = new Float32Array(tokens * intermediateSize)
  const up = new Float32Array(tokens * intermediateSize)
  p.gate.matmulTransB(normed, tokens, gate)
  p.up.matmulTransB(normed, tokens, up)
  swiglu(gate, up, gate, tokens * intermediateSize)
  p.down.matmulTransB(gate, tokens, projected)
  for (let i = 0; i < x.length; i++) x[i]! += projected[i]!
  if (rows) scatter(x, rows, hiddenSize, hidden)
}

function gather(hidden: Float32Array, rows: Int32Array, width: number): Float32Array {
  const out = new Float32Array(rows.length * width)
  for (let i = 0; i < rows.length; i++)
    out.set(hidden.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width)
  return out
}

function scatter(x: Float32Array, rows: Int32Array, width: number, hidden: Float32Array): void {
  for (let i = 0; i < rows.length; i++) hidden.set(x.subarray(i * width, (i + 1) * width), rows[i]! * width)
}
