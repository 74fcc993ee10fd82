import { type AnyMethodSpec, type CacheStats, cacheMethods, MethodRegistry } from '@kv/cache'
import { exitMethods } from '@kv/early-exit'
import { evictMethods } from '@kv/evict'
import { mergeMethods } from '@kv/merge-minicache'
import { quantMethods } from '@kv/quant-gear'
import { retrievalMethods } from '@kv/retrieval-ann'
import type { Model } from '../../src/index.js'

/** Every method package's specs: the browser bundle takes them all. */
export const ALL_METHODS: readonly AnyMethodSpec[] = [
  ...cacheMethods,
  ...quantMethods,
  ...evictMethods,
  ...mergeMethods,
  ...retrievalMethods,
  ...exitMethods,
]

export interface GreedyRun {
  readonly tokens: number[]
  /** The logits after the last step, all of them. */
  readonly logits: number[]
  readonly stats: CacheStats
}

/**
 * The same short job in Node and in the page: prefill `prompt` (BOS + its tokens) into a cache built from
 * `spec`, then `steps` greedy decode steps.
 */
export async function greedyRun(
  model: Model,
  spec: string,
  prompt: string,
  steps: number,
  headScores: unknown,
): Promise<GreedyRun> {
  const { numLayers, numKVHeads, maxPositions } = model.config
  const options = new MethodRegistry(ALL_METHODS).build(spec, {
    numLayers,
    numKVHeads,
    maxPositions,
    headScores,
  })
  const cache = model.createCache(options)
  const ids = [model.config.bosTokenId, ...model.tokenizer!.encode(prompt)]
  let logits = await model.prefill(ids, cache, { lastOnly: true })
  const tokens: number[] = []
  for (let i = 0; i < steps; i++) {
    let best = 0
    for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v
    tokens.push(best)
    logits = await model.step(best, cache)
  }
  return { tokens, logits: Array.from(logits), stats: cache.stats() }
}
