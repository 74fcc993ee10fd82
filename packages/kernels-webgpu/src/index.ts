export type { Int8AttentionConstants } from './attention/attention-int8-wgsl.js'
export { attentionInt8Wgsl, int8LayoutProblem, int8SharedBytes } from './attention/attention-int8-wgsl.js'
export type { AttentionConstants } from './attention/attention-wgsl.js'
export { attentionWgsl } from './attention/attention-wgsl.js'
export type { DecodeAttentionOptions, DecodeAttentionResult } from './attention/decode-attention.js'
export { createDecodeAttention, DecodeAttention } from './attention/decode-attention.js'
export { encodePage, keyWordOffset, readValueWords } from './attention/encode-page.js'
export { int8AttentionErrorBound } from './attention/int8-bound.js'
export type { AttentionArithmetic, CacheKind, PageLayout } from './attention/layout.js'
export { pageLayout } from './attention/layout.js'
export type { PagedKVOptions } from './attention/paged-kv.js'
export { PagedKV } from './attention/paged-kv.js'
export { reduceWgsl, weightsWgsl } from './attention/reduce-wgsl.js'
export type { AttentionShape } from './attention/reference.js'
export { decodeAttentionReference, decodePage } from './attention/reference.js'
export {
  encodeDispatch,
  grid,
  readBuffer,
  runDispatch,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from './device/buffers.js'
export { KvGpuDeviceLostError, KvGpuFeatureError, KvGpuUnavailableError } from './device/errors.js'
export { cachedPipelineCount, getPipeline } from './device/pipeline-cache.js'
export type { KvGpuContext, RequestDeviceOptions } from './device/request-device.js'
export { DEFAULT_OPTIONAL_FEATURES, initFromDevice, requestDevice } from './device/request-device.js'
export type { SubgroupInfo } from './device/subgroups.js'
export { probeSubgroups } from './device/subgroups.js'
export { BufferUsage } from './device/usage.js'
export {
  encodeLowRankReconstruct,
  lowRankReconstructGpu,
  lowRankReconstructReference,
} from './lowrank/reconstruct.js'
export type { QuantConstants } from './quant/quant-wgsl.js'
export { dequantWgsl, quantCodesWgsl, quantScalesWgsl } from './quant/quant-wgsl.js'
export type { GpuQuantizedBlock } from './quant/quantize-gpu.js'
export {
  dequantizeAffineGpu,
  encodeDequantizeAffine,
  encodeQuantizeAffine,
  quantizeAffineGpu,
} from './quant/quantize-gpu.js'
export type { AccumulateShape } from './scores/accumulate.js'
export {
  accumulateScoresGpu,
  accumulateScoresReference,
  encodeAccumulateScores,
} from './scores/accumulate.js'
export { encodeSlerp, SLERP_NEAR_PARALLEL, slerpGpu, slerpReference } from './slerp/slerp-gpu.js'
export { encodeTopK, MAX_TOPK, topKGpu, topKReference } from './topk/topk-gpu.js'
