import type { LlamaConfig } from './config.js'
import type { LoadedTensor } from './safetensors.js'

/** The weights of one decoder layer, float32, row-major `[out, in]` as Hugging Face stores them. */
export interface LayerWeights {
  readonly inputNorm: Float32Array
  readonly q: Float32Array
  readonly k: Float32Array
  readonly v: Float32Array
  readonly o: Float32Array
  readonly postNorm: Float32Array
  readonly gate: Float32Array
  readonly up: Float32Array
  readonly down: Float32Array
}

export interface LlamaWeights {
  readonly embedding: Float32Array
  readonly layers: readonly LayerWeights[]
  readonly finalNorm: Float32Array
  /** The output projection `[vocab, hidden]` (the embedding itself when tied). */
  readonly lmHead: Float32Array
}

function take(tensors: Map<string, LoadedTensor>, name: string, shape: readonly number[]): Float32Array {
  const tensor = tensors.get(name)
  if (!tensor) throw new RangeError(`checkpoint: missing tensor "${name}" (expected shape [${shape}])`)
  if (tensor.shape.length !== shape.length || tensor.shape.some((extent, axis) => extent !== shape[axis])) {
    throw new RangeError(`checkpoint: tensor "${name}" has shape [${tensor.shape}], expected [${shape}]`)
  }
  return tensor.data
}

/** Picks and shape-checks the Llama tensors of a checkpoint; a missing or mis-shaped tensor is named. */
export function llamaWeights(tensors: Map<string, LoadedTensor>, config: LlamaConfig): LlamaWeights {
  const { hiddenSize: h, intermediateSize: m, numHeads, numKVHeads, headDim, vocabSize } = config
  const layers: LayerWeights[] = []
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `model.layers.${layer}`
    layers.push({
      inputNorm: take(tensors, `${p}.input_layernorm.weight`, [h]),
      q: take(tensors, `${p}.self_attn.q_proj.weight`, [numHeads * headDim, h]),
      k: take(tensors, `${p}.self_attn.k_proj.weight`, [numKVHeads * headDim, h]),
      v: take(tensors, `${p}.self_attn.v_proj.weight`, [numKVHeads * headDim, h]),
      o: take(tensors, `${p}.self_attn.o_proj.weight`, [h, numHeads * headDim]),
      postNorm: take(tensors, `${p}.post_attention_layernorm.weight`, [h]),
      gate: take(tensors, `${p}.mlp.gate_proj.weight`, [m, h]),
      up: take(tensors, `${p}.mlp.up_proj.weight`, [m, h]),
      down: take(tensors, `${p}.mlp.down_proj.weight`, [h, m]),
    })
  }
  const embedding = take(tensors, 'model.embed_tokens.weight', [vocabSize, h])
  const lmHead =
    config.tieWordEmbeddings && !tensors.has('lm_head.weight')
      ? embedding
      : take(tensors, 'lm_head.weight', [vocabSize, h])
  return { embedding, layers, finalNorm: take(tensors, 'model.norm.weight', [h]), lmHead }
}
