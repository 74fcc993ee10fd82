/**
 * The method this package adds to the spec language (`retrieval:topK=100,nprobe=8`). The declarations are
 * checked against {@link RetrievalAttentionOptions}; ranges and defaults are the factory's and the index's.
 */
import type { MethodSpec } from '@kv/cache'
import { MAX_OPTION_TOKENS } from '@kv/tensor'
import { type RetrievalAttentionOptions, retrievalAttention } from './attention/retrieval-attention.js'
import { MAX_KMEANS_ITERATIONS, MAX_SEED } from './validate.js'

/**
 * RetrievalAttention in the spec language: a cache extension that indexes the keys outside the static set.
 *
 * @example
 * new MethodRegistry(retrievalMethods).build('retrieval:sinks=4,window=508,topK=100', context).extensions
 */
export const retrievalMethod = {
  name: 'retrieval',
  summary: 'RetrievalAttention: exact static set + query-aware vector search over keys',
  provides: ['extensions'],
  package: '@kv/retrieval-ann',
  params: {
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 4,
      summary: 'first slots always attended exactly',
    },
    window: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 508,
      summary: 'last slots always attended exactly',
    },
    topK: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      default: 100,
      summary: 'keys retrieved from the index per query',
    },
    cells: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'round(4·√keys), at most a quarter of the prompt queries',
      summary: 'cells (query clusters) of the index; at most the prompt queries',
    },
    nprobe: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'ceil(cells / 100)',
      summary: 'cells probed per search; at most cells',
    },
    perQuery: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 128,
      summary: 'top keys of each prompt query that join its cell (0: a plain IVF, nearest cell only)',
    },
    iterations: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_KMEANS_ITERATIONS,
      default: 12,
      summary: 'k-means iterations',
    },
    seed: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_SEED,
      default: 1,
      summary: 'seed of the k-means++ seeding',
    },
  },
  build: (params) => ({ extensions: [retrievalAttention(params)] }),
} satisfies MethodSpec<RetrievalAttentionOptions>

/**
 * The methods of @kv/retrieval-ann, for a `MethodRegistry`.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...retrievalMethods])
 */
export const retrievalMethods = [retrievalMethod] as const
