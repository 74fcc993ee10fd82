import type { CacheOptions, KVCache, Model } from '@kv/runtime'
import { logSoftmax } from './metrics.js'

/** What scoring a sequence with one cache produced. */
export interface SequenceRun {
  /** Log-probabilities `[scored, vocab]` of the next token at each scored position. */
  readonly logProbs: Float32Array
  readonly scored: number
  /** Seconds spent decoding token by token (prefill excluded). */
  readonly decodeSeconds: number
  readonly decodedTokens: number
  readonly cache: KVCache
}

/**
 * Runs `input` through a fresh cache and returns the next-token log-probabilities from position
 * `scoreFrom` on. `prefillTokens` > 0 prefills that many tokens in one batch (then the cache compresses:
 * prefill-then-compress); the rest is decoded token by token (streaming: compress while decoding).
 */
export async function runSequence(
  model: Model,
  options: CacheOptions,
  input: Int32Array,
  settings: {
    prefillTokens: number
    scoreFrom: number /** Tokens of `input` run so far. */
    onProgress?: (done: number) => void
  },
): Promise<SequenceRun> {
  const vocab = model.config.vocabSize
  const cache = model.createCache(options)
  const scored = input.length - settings.scoreFrom
  const logProbs = new Float32Array(scored * vocab)
  const keep = (logits: Float32Array, offset: number, position: number) => {
    if (position >= settings.scoreFrom)
      logSoftmax(logits, offset, vocab, logProbs, (position - settings.scoreFrom) * vocab)
  }
  const prefill = settings.prefillTokens
  if (prefill > 0) {
    const logits = await model.prefill(input.subarray(0, prefill), cache, {
      lastOnly: settings.scoreFrom >= prefill - 1,
    })
    if (settings.scoreFrom >= prefill - 1) keep(logits, 0, prefill - 1)
    else for (let t = settings.scoreFrom; t < prefill; t++) keep(logits, t * vocab, t)
    settings.onProgress?.(prefill)
  }
  const started = performance.now()
  for (let t = prefill; t < input.length; t++) {
    keep(await model.step(input[t]!, cache), 0, t)
    if ((t & 15) === 15) settings.onProgress?.(t + 1)
  }
  settings.onProgress?.(input.length)
  return {
    logProbs,
    scored,
    decodeSeconds: (performance.now() - started) / 1000,
    decodedTokens: input.length - prefill,
    cache,
  }
}

/** Mean negative log-likelihood of `targets` under rows `[from, to)` of `logProbs`. */
export function meanNll(
  logProbs: Float32Array,
  vocab: number,
  targets: ArrayLike<number>,
  from: number,
  to: number,
): number {
  let sum = 0
  for (let i = from; i < to; i++) sum -= logProbs[i * vocab + targets[i]!]!
  return sum / (to - from)
}
