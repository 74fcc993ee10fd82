import type { Model } from '@kv/runtime'
import { logSoftmax } from './metrics.js'

/**
 * Full-cache log-probabilities of the first `tokens` stream tokens on windows of the trained length
 * (the MODEL_CARD protocol, extended with a last shorter window): what the full cache can do past its
 * trained context without leaving it.
 */
export async function windowedReference(
  model: Model,
  stream: Int32Array,
  tokens: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ logProbs: Float32Array; targets: Int32Array }> {
  const window = model.config.maxPositions
  const vocab = model.config.vocabSize
  const logProbs = new Float32Array(tokens * vocab)
  for (let start = 0; start < tokens; start += window - 1) {
    const length = Math.min(window, tokens - start)
    const input = new Int32Array(length)
    input.set(stream.subarray(start, start + length - 1), 1)
    const logits = await model.prefill(input, model.createCache())
    const first = start === 0 ? 0 : 1
    for (let i = first; i < length; i++) logSoftmax(logits, i * vocab, vocab, logProbs, (start + i) * vocab)
    onProgress?.(start + length, tokens)
    if (start + length >= tokens) break
  }
  return { logProbs, targets: stream.slice(0, tokens) }
}
