import type { CacheOptions, CacheStats, KVCache } from '@kv/cache'
import { buildPipeline } from '@kv/eval'
import { uniform } from '@kv/quant-gear'
import type { Model } from '@kv/runtime'

/** Index of the largest logit (the first on ties), as the page picks it. */
function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}

export interface NodeRun {
  readonly tokens: number[]
  readonly logits: Float32Array
  readonly stats: CacheStats
}

/** BOS + the prompt's tokens, as the page prompts. */
export function promptIds(model: Model, prompt: string): number[] {
  return [model.config.bosTokenId, ...model.tokenizer!.encode(prompt)]
}

/** Greedy decoding in Node of `steps` tokens with the cache of `spec` (`@kv/eval`'s `buildPipeline`). */
export async function nodeGreedy(
  model: Model,
  spec: string,
  prompt: string,
  steps: number,
): Promise<NodeRun> {
  const cache = model.createCache(buildPipeline(model, spec))
  let logits = await model.prefill(promptIds(model, prompt), cache, { lastOnly: true })
  const tokens: number[] = []
  for (let i = 0; i < steps; i++) {
    const token = argmax(logits)
    tokens.push(token)
    logits = await model.step(token, cache)
  }
  return { tokens, logits, stats: cache.stats() }
}

/** Feeds the prompt then `tokens` (the page's) through a cache of `options`; the last logits and stats. */
export async function nodeForced(
  model: Model,
  options: CacheOptions,
  prompt: string,
  tokens: readonly number[],
): Promise<{ logits: Float32Array; stats: CacheStats; cache: KVCache }> {
  const cache = model.createCache(options)
  let logits = await model.prefill(promptIds(model, prompt), cache, { lastOnly: true })
  for (const token of tokens) logits = await model.step(token, cache)
  return { logits, stats: cache.stats(), cache }
}

/** The CPU codec the GPU's q4 kind is held against (`@kv/runtime`'s README): uniform, residual 0. */
export function cpuQ4(): CacheOptions {
  return { codec: uniform({ bits: 4, groupSize: 32, residual: 0, blockTokens: 32 }) }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: ${a.length} vs ${b.length} values`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}
