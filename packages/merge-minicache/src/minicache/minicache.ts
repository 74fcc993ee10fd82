import type { CacheExtension, CacheOptions, CacheShape } from '@kv/cache'
import { checkOptionKeys } from '@kv/tensor'
import type { LayerMerger, MergedRows } from '@kv/tensor/contracts'
import { LayerPairs } from '../cache/layer-pairs.js'
import { mergeRows } from './merge-rows.js'
import {
  checkInteger,
  checkInterpolation,
  checkRetain,
  DEFAULT_RETAIN,
  DEFAULT_T,
  type MiniCacheOptions,
} from './options.js'

/**
 * The MiniCache layer merger, with the settings it was built with.
 *
 * @example
 * const merger: MiniCacheMerger = minicache({ t: 0.5 })
 * merger.t // 0.5
 */
export interface MiniCacheMerger extends LayerMerger, CacheExtension {
  readonly t: number
  readonly retain: number
  /** The configured first layer, or `undefined` for half depth. */
  readonly fromLayer: number | undefined
}

/**
 * MiniCache as a `LayerMerger`: adjacent layers are paired from `fromLayer` (default `floor(L/2)`, the
 * middle of the stack, where the paper finds adjacent layers' states most alike) to the end, and each pair's
 * rows are merged by `mergeRows` with `t` and `retain`. A last layer left without a partner stays unmerged.
 *
 * @example
 * const merger = minicache({ t: 0.6, retain: 0.05 })
 * merger.pairs(8) // [[4, 5], [6, 7]]
 * merger.pairs(9) // [[4, 5], [6, 7]] (layer 8 unpaired)
 * const merged = merger.merge(keysLayer4, keysLayer5, tokens, headDim)
 */
export function minicache(options: MiniCacheOptions = {}): MiniCacheMerger {
  checkOptionKeys('minicache', options, ['fromLayer', 't', 'retain'])
  const t = options.t ?? DEFAULT_T
  const retain = options.retain ?? DEFAULT_RETAIN
  const fromLayer = options.fromLayer
  checkInterpolation('minicache', t)
  checkRetain('minicache', retain)
  if (fromLayer !== undefined) checkInteger('minicache', 'fromLayer', fromLayer, 0)
  return {
    name: 'minicache',
    t,
    retain,
    fromLayer,
    pairs(numLayers: number): ReadonlyArray<readonly [number, number]> {
      return layerPairs(numLayers, fromLayer)
    },
    merge(rowsA: Float32Array, rowsB: Float32Array, tokens: number, headDim: number): MergedRows {
      return mergeRows(rowsA, rowsB, tokens, headDim, { t, retain })
    },
    claims: ['keys'],
    check(shape, options) {
      return compositionProblem(this, shape, options)
    },
    attach(host) {
      return new LayerPairs(this, host)
    },
  }
}

/** Why a merger cannot work in a cache: pairs outside the model, or an exit schedule that splits a pair. */
function compositionProblem(
  merger: LayerMerger,
  shape: CacheShape,
  options: CacheOptions,
): string | undefined {
  const pairs = merger.pairs(shape.numLayers)
  for (const [a, b] of pairs) {
    if (!(a >= 0 && b === a + 1 && b < shape.numLayers)) {
      return `layer merger ${merger.name} pairs layers (${a}, ${b}) in a model of ${shape.numLayers} layers`
    }
  }
  const exit = options.exit
  if (!exit) return undefined
  const mask = new Uint8Array(shape.numLayers)
  exit.layers(0, shape.numLayers, mask)
  for (const [a, b] of pairs) {
    if (mask[a] !== mask[b]) {
      return `exit schedule ${exit.name} runs layer ${mask[a] ? a : b} but skips layer ${mask[a] ? b : a}, which layer merger ${merger.name} pairs`
    }
  }
  return undefined
}

/**
 * The pairs `[a, a + 1]` for a = fromLayer, fromLayer + 2, … while `a + 1 < numLayers`. Throws when the
 * model has fewer than 2 layers or `fromLayer` leaves no pair (`fromLayer > numLayers − 2`).
 *
 * @example
 * layerPairs(8) // [[4, 5], [6, 7]]
 * layerPairs(8, 1) // [[1, 2], [3, 4], [5, 6]]
 */
export function layerPairs(numLayers: number, fromLayer?: number): Array<readonly [number, number]> {
  checkInteger('minicache.pairs', 'numLayers', numLayers, 2)
  const first = fromLayer ?? Math.floor(numLayers / 2)
  if (first > numLayers - 2) {
    throw new RangeError(
      `minicache.pairs: fromLayer ${first} leaves no pair of adjacent layers in a ${numLayers}-layer model (at most ${numLayers - 2})`,
    )
  }
  const pairs: Array<readonly [number, number]> = []
  for (let a = first; a + 1 < numLayers; a += 2) pairs.push([a, a + 1] as const)
  return pairs
}
