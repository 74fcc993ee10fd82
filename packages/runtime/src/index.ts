/**
 * @kv/runtime: Llama-family checkpoints on the CPU, the KV cache that composes codecs, policies, layer
 * mergers, key retrievers and exit schedules, generation, and WebGPU decode attention. Platform-neutral:
 * nothing reachable from here imports `node:` modules; reading checkpoints from disk is in
 * `@kv/runtime/node`, the evaluation harness and the `kv` command in `@kv/eval`.
 */

export type { AttentionAccelerator } from './cache/accelerator.js'
export { CompositionError } from './cache/compose.js'
export type { Float16Block } from './cache/float16-codec.js'
export { float16Codec } from './cache/float16-codec.js'
export type { Float32Block } from './cache/float32-codec.js'
export { float32Codec } from './cache/float32-codec.js'
export { keepAll } from './cache/keep-all.js'
export type { CacheOptions, CacheShape } from './cache/kv-cache.js'
export { KVCache } from './cache/kv-cache.js'
export type { CacheStats } from './cache/stats.js'
export type { GenerateOptions } from './decoder/generate.js'
export { pickToken } from './decoder/generate.js'
export { Model } from './decoder/model.js'
export type { PromptTrace } from './decoder/prompt-layer.js'
export type { LlamaConfig } from './model/config.js'
export { parseLlamaConfig } from './model/config.js'
export type { ModelBytes } from './model/from-bytes.js'
export { modelFromBytes } from './model/from-bytes.js'
export { MissingTokenizerError, requireTokenizer } from './model/require-tokenizer.js'
export type { LoadedTensor } from './model/safetensors.js'
export { parseSafetensors } from './model/safetensors.js'
export type { TextTokenizer } from './model/tokenizer.js'
export type { BuildContext, MethodEntry } from './pipeline/registry.js'
export { METHODS } from './pipeline/registry.js'
export type { SpecPart } from './pipeline/spec.js'
export { buildPipeline, parseSpec } from './pipeline/spec.js'
export type { AcceleratorShape, WebGpuAcceleratorOptions } from './webgpu/accelerator.js'
export { WebGpuAccelerator, webgpuAccelerator } from './webgpu/accelerator.js'
export type { AsyncAttention } from './webgpu/step-on-gpu.js'
export { stepOnGpu } from './webgpu/step-on-gpu.js'
