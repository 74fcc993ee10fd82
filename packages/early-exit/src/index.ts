/**
 * @kv/early-exit: exit schedules that decide which layers run for each token, and so which layers' KV
 * cache gets written: SkipDecode (per-position, non-increasing, lowest layers skipped) and Unified Layer
 * Skipping (the same evenly spread middle layers skipped for every token).
 */
export type {
  UnifiedLayerSkippingOptions,
  UnifiedLayerSkippingParams,
  UnifiedLayerSkippingSchedule,
} from './layer-skipping/unified-layer-skipping.js'
export { unifiedLayerSkipping } from './layer-skipping/unified-layer-skipping.js'
export { uniformSkipCount, uniformSkipSet } from './layer-skipping/uniform-skip-set.js'
export { exitMethods, skipDecodeMethod, ulsMethod } from './methods.js'
export type { SkipDecodeOptions, SkipDecodeParams, SkipDecodePlan } from './skip-decode/layer-counts.js'
export { skipDecodeLayerCounts } from './skip-decode/layer-counts.js'
export type { SkipDecodeSchedule } from './skip-decode/skip-decode.js'
export { skipDecode } from './skip-decode/skip-decode.js'
