/**
 * The method this package adds to the spec language (`minicache:t=0.6,retain=0.05`). The declarations are
 * checked against {@link MiniCacheOptions}; ranges and defaults are the factory's.
 */

import type { MethodSpec } from '@kv/cache'
import { MAX_OPTION_TOKENS } from '@kv/tensor'
import { minicache } from './minicache/minicache.js'
import { DEFAULT_RETAIN, DEFAULT_T, type MiniCacheOptions } from './minicache/options.js'

/**
 * MiniCache in the spec language: a cache extension merging adjacent layers from mid depth.
 *
 * @example
 * new MethodRegistry(mergeMethods).build('minicache:fromLayer=4,t=0.5', context).extensions
 */
export const minicacheMethod = {
  name: 'minicache',
  summary: 'MiniCache: cross-layer merging by SLERP from mid depth',
  provides: ['extensions'],
  package: '@kv/merge-minicache',
  params: {
    fromLayer: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'half depth',
      summary: 'first layer of the first merged pair (at most depth − 2)',
    },
    t: {
      type: 'number',
      min: 0,
      max: 1,
      default: DEFAULT_T,
      summary: 'SLERP fraction from the lower layer (0) to the upper layer (1) of a pair',
    },
    retain: {
      type: 'number',
      min: 0,
      max: 1,
      default: DEFAULT_RETAIN,
      summary: "share of a block's tokens, the most distinct between the two layers, kept unmerged",
    },
  },
  build: (params) => ({ extensions: [minicache(params)] }),
} satisfies MethodSpec<MiniCacheOptions>

/**
 * The methods of @kv/merge-minicache, for a `MethodRegistry`.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...mergeMethods])
 */
export const mergeMethods = [minicacheMethod] as const
