export type { PartialAttention } from './attention/partial-attention.js'
export { mergePartials, partialAttention } from './attention/partial-attention.js'
export type {
  RetrievalAttendInput,
  RetrievalAttendResult,
  RetrievalAttentionOptions,
  RetrievalAttentionRetriever,
} from './attention/retrieval-attention.js'
export { retrievalAttend, retrievalAttention } from './attention/retrieval-attention.js'
export type { ExactTopKResult } from './exact/exact-top-k.js'
export { exactTopK } from './exact/exact-top-k.js'
export type { QueryAwareIvfOptions, ScoredSearchResult } from './ivf/query-aware-ivf.js'
export { QueryAwareIvfIndex } from './ivf/query-aware-ivf.js'
export { retrievalMethod, retrievalMethods } from './methods.js'
export type { RetrievalCounters } from './retrieval-state.js'
export { RetrievalState } from './retrieval-state.js'
