import { CheckpointError } from './checkpoint-error.js'
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

/** An expected tensor: its shape, and the config fields the shape comes from (for messages). */
interface Expected {
  readonly shape: readonly number[]
  readonly from: string
}

const LAYER_TENSOR = /^model\.layers\.(\d+)\./
/** Tensors some checkpoints carry that the decoder recomputes (rotary frequencies). */
const IGNORED_TENSOR = /(^|\.)rotary_emb\.inv_freq$/

/** Every tensor a Llama checkpoint of `config` holds, by name. */
function expectedTensors(config: LlamaConfig): Map<string, Expected> {
  const { hiddenSize: h, intermediateSize: m, numHeads, numKVHeads, headDim, vocabSize } = config
  const expected = new Map<string, Expected>()
  const hidden = 'hidden_size'
  const heads = `num_attention_heads × head_dim`
  const kvHeads = `num_key_value_heads × head_dim`
  const inner = 'intermediate_size'
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `model.layers.${layer}`
    expected.set(`${p}.input_layernorm.weight`, { shape: [h], from: hidden })
    expected.set(`${p}.self_attn.q_proj.weight`, {
      shape: [numHeads * headDim, h],
      from: `${heads}, ${hidden}`,
    })
    expected.set(`${p}.self_attn.k_proj.weight`, {
      shape: [numKVHeads * headDim, h],
      from: `${kvHeads}, ${hidden}`,
    })
    expected.set(`${p}.self_attn.v_proj.weight`, {
      shape: [numKVHeads * headDim, h],
      from: `${kvHeads}, ${hidden}`,
    })
    expected.set(`${p}.self_attn.o_proj.weight`, {
      shape: [h, numHeads * headDim],
      from: `${hidden}, ${heads}`,
    })
    expected.set(`${p}.post_attention_layernorm.weight`, { shape: [h], from: hidden })
    expected.set(`${p}.mlp.gate_proj.weight`, { shape: [m, h], from: `${inner}, ${hidden}` })
    expected.set(`${p}.mlp.up_proj.weight`, { shape: [m, h], from: `${inner}, ${hidden}` })
    expected.set(`${p}.mlp.down_proj.weight`, { shape: [h, m], from: `${hidden}, ${inner}` })
  }
  expected.set('model.embed_tokens.weight', { shape: [vocabSize, h], from: `vocab_size, ${hidden}` })
  expected.set('model.norm.weight', { shape: [h], from: hidden })
  expected.set('lm_head.weight', { shape: [vocabSize, h], from: `vocab_size, ${hidden}` })
  return expected
}

/** The layers the checkpoint holds tensors for, as a readable range. */
function layersPresent(tensors: Map<string, LoadedTensor>): string {
  const layers = new Set<number>()
  for (const name of tensors.keys()) {
    const match = LAYER_TENSOR.exec(name)
    if (match) layers.add(Number(match[1]))
  }
  const sorted = [...layers].sort((a, b) => a - b)
  if (sorted.length <= 1) return sorted.length === 0 ? 'no layers' : `layer ${sorted[0]}`
  return sorted.length === sorted.at(-1)! + 1 ? `layers 0–${sorted.at(-1)}` : `layers ${sorted.join(', ')}`
}

/** A tensor of the checkpoint that a Llama model of `config` has no place for is an error. */
function checkNoneExtra(
  tensors: Map<string, LoadedTensor>,
  expected: Map<string, Expected>,
  config: LlamaConfig,
  checkpoint: string,
): void {
  for (const [name, tensor] of tensors) {
    if (expected.has(name) || IGNORED_TENSOR.test(name)) continue
    const file = tensor.file ?? checkpoint
    const layer = LAYER_TENSOR.exec(name)
    if (layer && Number(layer[1]) >= config.numLayers) {
      throw new CheckpointError(
        file,
        name,
        `tensor "${name}" belongs to layer ${layer[1]}, but config.json num_hidden_layers is ${config.numLayers} ` +
          `(the checkpoint has ${layersPresent(tensors)})`,
      )
    }
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}" is not part of a ${config.architecture} model this decoder runs (biases and extra modules are not supported)`,
    )
  }
}

/**
 * Picks and checks the Llama tensors of a checkpoint against its config: every tensor present with the
 * shape the config gives, and no tensor the config has no place for (a layer past `num_hidden_layers`,
 * a bias). Every fault is a `CheckpointError` naming the tensor and the config fields of its shape.
 */
export function llamaWeights(
  tensors: Map<string, LoadedTensor>,
  config: LlamaConfig,
  checkpoint = 'checkpoint',
): LlamaWeights {
  const expected = expectedTensors(config)
  // A missing tensor is missing from the one file of a single-file checkpoint, else from the checkpoint.
  const files = new Set([...tensors.values()].map((tensor) => tensor.file ?? checkpoint))
  const holder = files.size === 1 ? [...files][0]! : checkpoint
  checkNoneExtra(tensors, expected, config, checkpoint)
  const take = (name: string): Float32Array => {
    const { shape, from } = expected.get(name)!
    const tensor = tensors.get(name)
    if (!tensor) {
      const layer = LAYER_TENSOR.exec(name)
      const context = layer
        ? `; config.json num_hidden_layers is ${config.numLayers}, the checkpoint has ${layersPresent(tensors)}`
        : ''
      throw new CheckpointError(
        holder,
        name,
        `missing tensor "${name}" (expected shape [${shape}] from config.json ${from}${context})`,
      )
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((extent, axis) => extent !== shape[axis])) {
      throw new CheckpointError(
        tensor.file ?? checkpoint,
        name,
        `tensor "${name}" has shape [${tensor.shape}], expected [${shape}] from config.json ${from}`,
      )
    }
    return tensor.data
  }
  const layers: LayerWeights[] = []
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `model.layers.${layer}`
    layers.push({
      inputNorm: take(`${p}.input_layernorm.weight`),
      q: take(`${p}.self_attn.q_proj.weight`),
      k: take(`${p}.self_attn.k_proj.weight`),
      v: take(`${p}.self_attn.v_proj.weight`),
      o: take(`${p}.self_attn.o_proj.weight`),
      postNorm: take(`${p}.post_attention_layernorm.weight`),
      gate: take(`${p}.mlp.gate_proj.weight`),
      up: take(`${p}.mlp.up_proj.weight`),
      down: take(`${p}.mlp.down_proj.weight`),
    })
  }
  const embedding = take('model.embed_tokens.weight')
  const lmHead =
    config.tieWordEmbeddings && !tensors.has('lm_head.weight') ? embedding : take('lm_head.weight')
  return { embedding, layers, finalNorm: take('model.norm.weight'), lmHead }
}
