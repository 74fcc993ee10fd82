import type { KVCache } from '@kv/cache'
import { Rng, softmax, topK } from '@kv/tensor'
import { requireTokenizer } from '../model/require-tokenizer.js'
import { checkGenerateOptions } from './generate-options.js'
import type { Model } from './model.js'
import { TextStream } from './text-stream.js'

export interface GenerateOptions {
  /**
   * The cache to decode into. Empty: the prompt is prefilled after the BOS token. Holding a conversation
   * (an earlier `generate` or `prefill`): the prompt continues it, as the next turn.
   */
  readonly cache: KVCache
  /** Most tokens to generate: an integer in [0, 2²⁴]. */
  readonly maxTokens: number
  /**
   * 0 (default) picks the most likely token; above 0 samples from the tempered distribution. A finite
   * number in [0, 100].
   */
  readonly temperature?: number
  /** Sample among the `topK` most likely tokens only (default 40 when sampling): an integer in [1, 2²⁴]. */
  readonly topK?: number
  /** Seed of the sampler (default 0): a safe integer. */
  readonly seed?: number
  /** Stop at the end-of-sequence token (default true). */
  readonly stopAtEos?: boolean
  /** Called with every generated token id. */
  readonly onToken?: (token: number) => void
  /**
   * Called (instead of `console.warn`) when the sequence runs past the model's context (`maxPositions`):
   * once when the prompt already does, once when generation crosses it. Generation goes on (an eviction
   * policy may keep the cache small; RoPE positions past the context are computed as any other), but the
   * model was never trained there, so its output degrades.
   */
  readonly onWarning?: (message: string) => void
}

/** Picks the next token from logits: greedy at temperature 0, otherwise top-k sampling. */
export function pickToken(logits: Float32Array, temperature: number, k: number, rng: Rng): number {
  if (temperature <= 0) {
    let best = 0
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i
    return best
  }
  const candidates = topK(logits, Math.min(k, logits.length))
  const weights = Float32Array.from(candidates, (i) => logits[i]! / temperature)
  softmax(weights)
  let u = rng.uniform()
  for (let i = 0; i < candidates.length; i++) {
    u -= weights[i]!
    if (u <= 0) return candidates[i]!
  }
  return candidates[candidates.length - 1]!
}

/**
 * Prefills the prompt (after the BOS token when the cache is empty) and streams decoded text, piece by
 * piece, as tokens are generated. Text is emitted only where it decodes to complete characters. Every
 * generated token is stored in the cache (the end-of-sequence token is not), so the next call continues
 * the conversation.
 */
export async function* generate(
  model: Model,
  prompt: string,
  options: GenerateOptions,
): AsyncGenerator<string> {
  // Every option is checked before the prompt touches the cache: a bad one leaves the cache as it was.
  const { maxTokens, temperature, topK, seed } = checkGenerateOptions(options)
  const { cache } = options
  const rng = new Rng(seed)
  const tokenizer = requireTokenizer(model, 'generate')
  const encoded = tokenizer.encode(prompt)
  const prompted = cache.length === 0 ? [model.config.bosTokenId, ...encoded] : encoded
  if (prompted.length === 0) throw new RangeError('generate: the prompt is empty')
  const context = model.config.maxPositions
  const warn = options.onWarning ?? ((message: string) => console.warn(message))
  const promptEnd = cache.length + prompted.length
  if (promptEnd > context) {
    warn(
      `generate: the prompt reaches position ${promptEnd}, past the model's context of ${context} positions (maxPositions); output past it degrades`,
    )
  }
  let logits = await model.prefill(prompted, cache, { lastOnly: true })
  // Decoding only the newest tokens keeps generation linear in the tokens generated.
  const text = new TextStream(tokenizer)
  for (let i = 0; i < maxTokens; i++) {
    const token = pickToken(logits, temperature, topK, rng)
    if (token === model.config.eosTokenId && options.stopAtEos !== false) break
    options.onToken?.(token)
    const piece = text.push(token)
    if (piece !== '') yield piece
    if (cache.length === context && promptEnd <= context) {
      warn(
        `generate: generation reached the model's context of ${context} positions (maxPositions); output past it degrades`,
      )
    }
    logits = await model.step(token, cache)
  }
  // what the stream held back (text that a further token could still have changed)
  const rest = text.flush()
  if (rest !== '') yield rest
}
