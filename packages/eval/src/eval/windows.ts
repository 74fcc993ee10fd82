import type { Model } from '@kv/runtime'
import { ScoreAccumulator } from './metrics.js'

export interface WindowedResult {
  readonly perplexity: number
  readonly meanNll: number
  readonly tokens: number
  readonly windows: number
  readonly seconds: number
}

/**
 * The MODEL_CARD's perplexity protocol: windows start at offsets 0, W−1, 2(W−1), … of the stream while a
 * full window fits; each window's input is token 0 followed by the next W−1 stream tokens, and it scores
 * all W of those stream tokens (the first predicted from token 0 alone). Full cache, batched prefill.
 */
export async function windowedPerplexity(
  model: Model,
  stream: Int32Array,
  options: { window?: number; maxWindows?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<WindowedResult> {
  const window = options.window ?? model.config.maxPositions
  const vocab = model.config.vocabSize
  const fitting = stream.length >= window ? Math.floor((stream.length - window) / (window - 1)) + 1 : 0
  const total = Math.min(fitting, options.maxWindows ?? Number.POSITIVE_INFINITY)
  if (total === 0)
    throw new RangeError(
      `windowedPerplexity: the stream of ${stream.length} tokens holds no window of ${window}`,
    )
  const scores = new ScoreAccumulator(vocab)
  const started = performance.now()
  const input = new Int32Array(window)
  for (let w = 0; w < total; w++) {
    const start = w * (window - 1)
    input[0] = 0
    input.set(stream.subarray(start, start + window - 1), 1)
    const logits = await model.prefill(input, model.createCache())
    for (let i = 0; i < window; i++) scores.add(logits, i * vocab, stream[start + i]!)
    options.onProgress?.(w + 1, total)
  }
  return {
    perplexity: scores.perplexity,
    meanNll: scores.meanNll,
    tokens: scores.count,
    windows: total,
    seconds: (performance.now() - started) / 1000,
  }
}
