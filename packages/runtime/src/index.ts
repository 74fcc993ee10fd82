/**
 * @kv/runtime: Llama-family checkpoints on the CPU, the KV cache that composes codecs, policies, layer
 * mergers, key retrievers and exit schedules, generation, and the evaluation harness behind `kv`.
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
export type { CapturedHeads } from './capture/capture-heads.js'
export { captureHeads } from './capture/capture-heads.js'
export type { HeldOutDocument } from './data/heldout.js'
export { heldOutDocuments, heldOutTokens } from './data/heldout.js'
export type { GenerateOptions } from './decoder/generate.js'
export { Model } from './decoder/model.js'
export type { PromptTrace } from './decoder/prompt-layer.js'
export type {
  EvalReport,
  EvalSettings,
  PipelineResult,
  PipelineUnderTest,
  Protocol,
} from './eval/evaluate.js'
export { evaluate } from './eval/evaluate.js'
export { klDivergence, logSoftmax, ScoreAccumulator } from './eval/metrics.js'
export type { RecallResult } from './eval/recall.js'
export { formatReport, reportChart } from './eval/report.js'
export type { WindowedResult } from './eval/windows.js'
export { windowedPerplexity } from './eval/windows.js'
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
