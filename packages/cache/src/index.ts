/**
 * @kv/cache: the composable KV cache. Per layer and KV head, encoded blocks plus a full-precision recent
 * window; a codec, a policy, an exit schedule and extensions plug into it. Platform-neutral: no Node
 * built-in, no WebGPU; any model runtime drives it with `append`, `attend`/`attendAsync` and `endStep`.
 */

export type { AttentionAccelerator } from './accelerator.js'
export type { AttendRequest } from './attention.js'
export { AttentionScratch, attendHead } from './attention.js'
export type { CacheState } from './cache-state.js'
export { CACHE_STATE_VERSION } from './cache-state.js'
export { CompositionError, validateComposition } from './compose.js'
export type { CacheExtension, CacheHost, ExtensionState } from './extension.js'
export type { Float16Block } from './float16-codec.js'
export { float16Codec } from './float16-codec.js'
export type { Float32Block } from './float32-codec.js'
export { float32Codec } from './float32-codec.js'
export { FULL_PRECISION, fullPrecision } from './full-precision.js'
export type { HeadSlots, HeadState, StoredBlock } from './head-store.js'
export { HeadStore } from './head-store.js'
export { keepAll } from './keep-all.js'
export type { AppendOptions, CacheOptions, CacheShape, EndStepOptions } from './kv-cache.js'
export { KVCache } from './kv-cache.js'
export { cacheMethods, fp16Method } from './methods/cache-methods.js'
export type {
  AnyMethodSpec,
  BooleanParam,
  BuildContext,
  CacheSlot,
  ChoiceParam,
  MethodSpec,
  NumberParam,
  ParamFor,
  ParamSpec,
  ParamsOf,
  StringParam,
} from './methods/method-spec.js'
export type { SpecPart } from './methods/parse-spec.js'
export { checkNumber, parseParam } from './methods/parse-spec.js'
export { describeParam, MethodRegistry } from './methods/registry.js'
export type { RawRowsState } from './raw-rows.js'
export { RawRows } from './raw-rows.js'
export type { SlotStatsMark as SlotStatsState } from './slot-stats.js'
export type { CacheStats } from './stats.js'
