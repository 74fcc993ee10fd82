/**
 * @kv/evict: KV-cache eviction policies (StreamingLLM, H2O, D2O, ALISA sparse window, RazorAttention /
 * DuoAttention head-wise) as `KVPolicy` plug-ins and as plain planning functions, plus retrieval-head
 * detection from calibration text.
 */
export type { D2OOptions, D2OParams, D2OPolicy } from './d2o/d2o.js'
export { d2o } from './d2o/d2o.js'
export type { D2OLayerRatios } from './d2o/layer-budgets.js'
export { d2oLayerRatios, layerVarianceScore } from './d2o/layer-budgets.js'
export type { D2OStep, D2OThreshold } from './d2o/merge-plan.js'
export { planD2O } from './d2o/merge-plan.js'
export type { H2OBudget, H2OOptions, H2OSettings } from './h2o/budget.js'
export { h2oBudget, resolveH2OSettings } from './h2o/budget.js'
export { h2o, planH2O } from './h2o/h2o.js'
export type { DuoParams, HeadwiseOptions, RazorParams } from './headwise/headwise.js'
export { headwise } from './headwise/headwise.js'
export type { RazorBudget } from './headwise/razor.js'
export { planRazorHead } from './headwise/razor.js'
export {
  d2oMethod,
  duoMethod,
  evictMethods,
  h2oMethod,
  razorMethod,
  streamingMethod,
  swaMethod,
} from './methods.js'
export { parseHeadScores, saveHeadScores } from './retrieval-heads/artefact.js'
export type { CalibrationOptions } from './retrieval-heads/calibration.js'
export { makeCalibrationSequence } from './retrieval-heads/calibration.js'
export type { HeadAggregate, HeadScoreOptions, HeadScores } from './retrieval-heads/head-scores.js'
export { retrievalHeadScores } from './retrieval-heads/head-scores.js'
export type { SelectHeadsOptions } from './retrieval-heads/select-heads.js'
export { selectRetrievalHeads } from './retrieval-heads/select-heads.js'
export { PlanScratch } from './shared/select.js'
export { importanceFromView } from './sparse-window/importance.js'
export type { AlisaPhase, SparseWindowOptions, SparseWindowSettings } from './sparse-window/schedule.js'
export { alisaPhase, resolveSparseWindow, sparseWindowBudget } from './sparse-window/schedule.js'
export { planSparseWindow, sparseWindow } from './sparse-window/sparse-window.js'
export type { StreamingLLMBudget, StreamingLLMOptions } from './streaming-llm/streaming-llm.js'
export { planStreamingLLM, resolveStreamingLLM, streamingLLM } from './streaming-llm/streaming-llm.js'
