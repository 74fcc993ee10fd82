/**
 * @kv/merge-minicache: MiniCache cross-layer KV-cache merging. Adjacent layers' states of a token share one
 * SLERP-ed direction and keep their own magnitudes; the most distinct tokens stay unmerged.
 */

export { LayerPairs } from './cache/layer-pairs.js'
export type { MergedSide, SharedDirections } from './cache/merged-codec.js'
export { MergedCodec } from './cache/merged-codec.js'
export { mergeMethods, minicacheMethod } from './methods.js'
export { mergeRows, restoreRow } from './minicache/merge-rows.js'
export type { MiniCacheMerger } from './minicache/minicache.js'
export { layerPairs, minicache } from './minicache/minicache.js'
export type { MergeRowsOptions, MiniCacheOptions } from './minicache/options.js'
export { DEFAULT_RETAIN, DEFAULT_T } from './minicache/options.js'
export type { LayerSimilarity } from './similarity/layer-similarity.js'
export { layerSimilarity } from './similarity/layer-similarity.js'
export { slerp } from './slerp/slerp.js'
