import { Model } from '../decoder/model.js'
import { CheckpointError } from './checkpoint-error.js'
import { type LlamaConfig, parseLlamaConfig } from './config.js'
import { type LoadedTensor, parseSafetensors } from './safetensors.js'
import { createTokenizer, type TextTokenizer } from './tokenizer.js'
import { llamaWeights } from './weights.js'

/** A checkpoint in memory: what a browser fetches, or a test builds. */
export interface ModelBytes {
  /** The parsed `config.json`. */
  readonly config: unknown
  /** `model.safetensors`, or every shard of a sharded checkpoint (in any order). */
  readonly safetensors: Uint8Array | readonly Uint8Array[]
  /** The parsed `tokenizer.json` (and `tokenizer_config.json`); without it, only token ids are accepted. */
  readonly tokenizer?: { readonly json: unknown; readonly config?: unknown }
  /** A name for messages and reports (`model.source`). */
  readonly name?: string
}

/** Adds one shard's tensors; a tensor stored in two shards is an error naming both. */
export function addShardTensors(into: Map<string, LoadedTensor>, shard: Map<string, LoadedTensor>): void {
  for (const [name, tensor] of shard) {
    const before = into.get(name)
    if (before) {
      throw new CheckpointError(
        tensor.file ?? 'checkpoint',
        name,
        `tensor "${name}" is also stored in ${before.file ?? 'another shard'}`,
      )
    }
    into.set(name, tensor)
  }
}

/**
 * Builds a model from a checkpoint in memory, with no file system: the platform-neutral way to load one
 * (in a browser, fetch the files; in Node, `@kv/runtime/node`'s `loadModel` reads a folder). The same
 * checks as `loadModel`: safetensors headers and byte ranges, finite weights, and the config against the
 * tensors; a fault is a `CheckpointError` naming `name`, the file and the field or tensor.
 *
 * @example
 * const [config, weights] = await Promise.all([
 *   fetch(kvtinyFiles.config).then((r) => r.json()),
 *   fetch(kvtinyFiles.safetensors).then((r) => r.arrayBuffer()),
 * ])
 * const model = modelFromBytes({ config, safetensors: new Uint8Array(weights), name: 'kvtiny-7m' })
 * const logits = model.prefill([0, 464, 1110], model.createCache({}), { lastOnly: true })
 */
export function modelFromBytes(bytes: ModelBytes): Model {
  const where = bytes.name ?? 'modelFromBytes'
  const config = parseLlamaConfig(bytes.config, `${where}: config.json`)
  const shards = bytes.safetensors instanceof Uint8Array ? [bytes.safetensors] : bytes.safetensors
  if (!Array.isArray(shards) || !shards.every((shard) => shard instanceof Uint8Array)) {
    throw new CheckpointError(
      `${where}: model.safetensors`,
      'safetensors',
      'safetensors must be a Uint8Array or an array of them (wrap an ArrayBuffer: new Uint8Array(buffer))',
    )
  }
  const tensors = new Map<string, LoadedTensor>()
  shards.forEach((shard, index) => {
    const file = shards.length === 1 ? `${where}: model.safetensors` : `${where}: shard ${index}`
    addShardTensors(tensors, parseSafetensors(shard, file))
  })
  const tokenizer =
    bytes.tokenizer === undefined
      ? undefined
      : createTokenizer(bytes.tokenizer.json, bytes.tokenizer.config ?? {}, `${where}: tokenizer.json`)
  return assembleModel(config, tensors, tokenizer, bytes.name)
}

/**
 * A model from parsed parts, checking that they fit: every Llama tensor present with its shape, none the
 * config has no place for, and a tokenizer no larger than the vocabulary.
 */
export function assembleModel(
  config: LlamaConfig,
  tensors: Map<string, LoadedTensor>,
  tokenizer: TextTokenizer | undefined,
  source: string | undefined,
): Model {
  if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
    throw new CheckpointError(
      source ?? 'model',
      'vocab_size',
      `tokenizer has ${tokenizer.vocabSize} tokens, config.json vocab_size is ${config.vocabSize}`,
    )
  }
  return new Model(config, llamaWeights(tensors, config, source ?? 'checkpoint'), tokenizer, source)
}
