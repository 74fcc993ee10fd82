import type { PlainState } from './state.js'

/** What a search found: the ids of the keys it returns (best first) and how many keys it scored. */
export interface KeySearchResult {
  readonly ids: Int32Array
  readonly scanned: number
}

/**
 * A vector index over the keys of one KV head. Ids are the tokens' original positions, unique per head.
 */
export interface KeyIndex {
  /** Keys held. */
  readonly size: number
  /** Builds the index over `count` keys, using sample queries (`[queryCount, headDim]`) to shape it. */
  build(keys: Float32Array, ids: Int32Array, count: number, queries: Float32Array, queryCount: number): void
  /** Adds `count` keys (incremental, as decoding proceeds); adding never loses a key already held. */
  add(keys: Float32Array, ids: Int32Array, count: number): void
  /** Removes keys by id (unknown ids are an error). */
  remove(ids: Int32Array): void
  /** The `k` keys of largest inner product with `query` (approximately). */
  search(query: Float32Array, k: number): KeySearchResult
  /** Bytes the index holds, keys included when it stores them. */
  bytes(): number
  /** The keys and structure held, as plain data (see `Stateful`); an index that implements it is undone with a failed step and saved with the cache. */
  saveState?(): PlainState
  loadState?(state: PlainState): void
}

/**
 * RetrievalAttention: each head attends exactly to a static set (the first `sinks` and the last `window`
 * slots) and to the `topK` keys its index finds among the rest; the two partial softmaxes are merged by
 * log-sum-exp.
 *
 * @example
 * const retriever: KeyRetriever = retrievalAttention({ sinks: 4, window: 508, topK: 100 })
 */
export interface KeyRetriever {
  readonly name: string
  readonly sinks: number
  readonly window: number
  readonly topK: number
  /** A fresh index for one head. */
  createIndex(layer: number, head: number, headDim: number): KeyIndex
}
