import type { CacheExtension } from '@kv/cache'
import { checkOptionKeys, MAX_OPTION_TOKENS } from '@kv/tensor'
import type { KeyIndex, KeyRetriever } from '@kv/tensor/contracts'
import type { QueryAwareIvfOptions } from '../ivf/query-aware-ivf.js'
import { IVF_OPTION_KEYS, QueryAwareIvfIndex } from '../ivf/query-aware-ivf.js'
import { RetrievalState } from '../retrieval-state.js'
import { checkInteger } from '../validate.js'
import type { PartialAttention } from './partial-attention.js'
import { mergePartials, partialAttention } from './partial-attention.js'

/** Settings of {@link retrievalAttention}: the static set, the retrieved count and the index's settings. */
export interface RetrievalAttentionOptions extends QueryAwareIvfOptions {
  /** First slots always attended exactly. Default 4. */
  readonly sinks?: number
  /** Last slots always attended exactly. Default 508. */
  readonly window?: number
  /** Keys retrieved from the index per query. Default 100. */
  readonly topK?: number
}

/**
 * A {@link KeyRetriever} whose indexes are {@link QueryAwareIvfIndex}es, and the cache extension that runs
 * it (`new KVCache(shape, { extensions: [retrievalAttention()] })`).
 */
export interface RetrievalAttentionRetriever extends KeyRetriever, CacheExtension {
  createIndex(layer: number, head: number, headDim: number): QueryAwareIvfIndex
}

/**
 * RetrievalAttention as a plug-in: sinks + window attended exactly, `topK` more keys from a per-head
 * query-aware IVF, merged by log-sum-exp (see {@link retrievalAttend}).
 *
 * @example
 * const retriever = retrievalAttention({ sinks: 4, window: 508, topK: 100, nprobe: 8 })
 * const index = retriever.createIndex(0, 0, 64)
 */
export function retrievalAttention(options: RetrievalAttentionOptions = {}): RetrievalAttentionRetriever {
  checkOptionKeys('retrievalAttention', options, ['sinks', 'window', 'topK', ...IVF_OPTION_KEYS])
  const { sinks = 4, window = 508, topK = 100, ...indexOptions } = options
  checkInteger('retrievalAttention', 'sinks', sinks, 0, MAX_OPTION_TOKENS)
  checkInteger('retrievalAttention', 'window', window, 0, MAX_OPTION_TOKENS)
  checkInteger('retrievalAttention', 'topK', topK, 1, MAX_OPTION_TOKENS)
  // Checks the index options once, here, rather than at the first createIndex.
  new QueryAwareIvfIndex(1, indexOptions)
  return {
    name: 'retrieval-attention',
    sinks,
    window,
    topK,
    createIndex(layer: number, head: number, headDim: number): QueryAwareIvfIndex {
      checkInteger('retrievalAttention.createIndex', 'layer', layer, 0)
      checkInteger('retrievalAttention.createIndex', 'head', head, 0)
      return new QueryAwareIvfIndex(headDim, indexOptions)
    },
    claims: ['keys'],
    check(_shape, options) {
      const policy = options.policy
      if (policy?.attentionPositions) {
        return `retriever retrieval-attention scores keys at their original positions, but policy ${policy.name} re-assigns positions`
      }
      return undefined
    },
    attach(host) {
      return new RetrievalState(this, host)
    },
  }
}

/** What {@link retrievalAttend} needs: one head's keys and values with row = id = token position. */
export interface RetrievalAttendInput {
  readonly query: Float32Array
  /** `[count, headDim]`; row r holds the token whose id in the index is r. */
  readonly keys: Float32Array
  readonly values: Float32Array
  readonly count: number
  readonly headDim: number
  readonly scale: number
  /** Holds (some of) the rows outside the static set; static rows it returns are ignored. */
  readonly index: KeyIndex
  readonly sinks: number
  readonly window: number
  readonly topK: number
}

/** The merged attention output and what the retrieval cost. */
export interface RetrievalAttendResult extends PartialAttention {
  /** Keys the index scored. */
  readonly scanned: number
  /** Rows attended besides the static set. */
  readonly retrieved: Int32Array
}

/**
 * One decode step of RetrievalAttention for one head: exact attention over rows `[0, sinks)` and
 * `[count − window, count)`, plus the index's top-`topK` rows outside them, merged by log-sum-exp.
 *
 * @example
 * const out = retrievalAttend({ query, keys, values, count, headDim: 64, scale: 0.125, index,
 *   sinks: 4, window: 508, topK: 100 })
 */
export function retrievalAttend(input: RetrievalAttendInput): RetrievalAttendResult {
  const { query, keys, values, count, headDim, scale, index, sinks, window, topK } = input
  const where = 'retrievalAttend'
  checkInteger(where, 'count', count, 0)
  checkInteger(where, 'sinks', sinks, 0)
  checkInteger(where, 'window', window, 0)
  checkInteger(where, 'topK', topK, 1)
  const sinkEnd = Math.min(sinks, count)
  const windowStart = Math.max(sinkEnd, count - window)
  const staticRows = new Int32Array(sinkEnd + count - windowStart)
  for (let r = 0; r < sinkEnd; r++) staticRows[r] = r
  for (let r = windowStart; r < count; r++) staticRows[sinkEnd + r - windowStart] = r
  const exact = partialAttention(query, keys, values, staticRows, staticRows.length, headDim, scale)
  if (windowStart === sinkEnd || index.size === 0)
    return { ...exact, scanned: 0, retrieved: new Int32Array(0) }
  const found = index.search(query, topK)
  const rows = new Int32Array(found.ids.length)
  let kept = 0
  for (let i = 0; i < found.ids.length; i++) {
    const id = found.ids[i]!
    if (id >= sinkEnd && id < windowStart) rows[kept++] = id
  }
  const retrieved = rows.subarray(0, kept)
  const part = partialAttention(query, keys, values, retrieved, kept, headDim, scale)
  return { ...mergePartials(exact, part), scanned: found.scanned, retrieved }
}
