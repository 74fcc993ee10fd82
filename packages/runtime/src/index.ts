/**
 * @kv/runtime: Llama-family checkpoints on the CPU, the KV cache that composes codecs, policies, layer
 * mergers, key retrievers and exit schedules, generation, and WebGPU decode attention. Platform-neutral:
 * nothing reachable from here imports `node:` modules; reading checkpoints from disk is in
 * `@kv/runtime/node`, the evaluation harness and the `kv` command in `@kv/eval`.
 */

export type {
  AttentionAccelerator,
  CacheExtension,
  CacheOptions,
  CacheShape,
  CacheStats,
  Float16Block,
  Float32Block,
} from '@kv/cache'
export {
  CompositionError,
  float16Codec,
  float32Codec,
  fullPrecision,
  KVCache,
  keepAll,
} from '@kv/cache'
export type { GenerateOptions } from './decoder/generate.js'
export { pickToken } from './decoder/generate.js'
export { Model } from './decoder/model.js'
export type { PromptTrace } from './decoder/prompt-layer.js'
export { TextStream } from './decoder/text-stream.js'
export { CheckpointError } from './model/checkpoint-error.js'
export type { LlamaConfig } from './model/config.js'
export { parseLlamaConfig } from './model/config.js'
export type { ModelBytes } from './model/from-bytes.js'
export { modelFromBytes } from './model/from-bytes.js'
export { MissingTokenizerError, requireTokenizer } from './model/require-tokenizer.js'
export type { LoadedTensor } from './model/safetensors.js'
export { parseSafetensors } from './model/safetensors.js'
export type { TextTokenizer } from './model/tokenizer.js'
