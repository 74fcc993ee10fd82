/**
 * @kv/runtime: Llama-family checkpoints on the CPU, the KV cache that composes codecs, policies, layer
 * mergers, key retrievers and exit schedules, generation, and the evaluation harness behind `kv`.
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
export { EMBEDDED_MODEL, embeddedModelPath, loadModel } from './model/load.js'
export { parseSafetensors, readCheckpointTensors } from './model/safetensors.js'
export type { TextTokenizer } from './model/tokenizer.js'
export { loadTokenizer } from './model/tokenizer.js'
export type { BuildContext, MethodEntry } from './pipeline/registry.js'
export { METHODS } from './pipeline/registry.js'
export type { SpecPart } from './pipeline/spec.js'
export { buildPipeline, parseSpec } from './pipeline/spec.js'
export type { AcceleratorShape, WebGpuAcceleratorOptions } from './webgpu/accelerator.js'
export { WebGpuAccelerator, webgpuAccelerator } from './webgpu/accelerator.js'
