import type { LlamaConfig } from '../model/config.js'

/** Buffers of one decode step, allocated once per model. */
export class DecodeBuffers {
  readonly hidden: Float32Array
  readonly normed: Float32Array
  readonly q: Float32Array
  readonly k: Float32Array
  readonly v: Float32Array
  readonly attention: Float32Array
  readonly projected: Float32Array
  readonly gate: Float32Array
  readonly up: Float32Array
  readonly layerMask: Uint8Array

  constructor(config: LlamaConfig) {
    const { hiddenSize, numHeads, numKVHeads, headDim, intermediateSize, numLayers } = config
    this.hidden = new Float32Array(hiddenSize)
    this.normed = new Float32Array(hiddenSize)
    this.q = new Float32Array(numHeads * headDim)
    this.k = new Float32Array(numKVHeads * headDim)
    this.v = new Float32Array(numKVHeads * headDim)
    this.attention = new Float32Array(numHeads * headDim)
    this.projected = new Float32Array(hiddenSize)
    this.gate = new Float32Array(intermediateSize)
    this.up = new Float32Array(intermediateSize)
    this.layerMask = new Uint8Array(numLayers)
  }
}
