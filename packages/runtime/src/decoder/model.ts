import { type CacheOptions, KVCache } from '@kv/cache'
import { type PreparedMatrix, prepareMatrix, ropeInvFreq } from '@kv/tensor'
import type { LlamaConfig } from '../model/config.js'
import { requireTokenizer } from '../model/require-tokenizer.js'
import type { TextTokenizer } from '../model/tokenizer.js'
import type { LlamaWeights } from '../model/weights.js'
import { decodeStep } from './decode-step.js'
import { type GenerateOptions, generate } from './generate.js'
import { finalLogits, finalLogitsRows } from './logits.js'
import { type PromptTrace, promptLayer } from './prompt-layer.js'

/** One layer's projections, prepared once. */
export interface LayerProjections {
  readonly q: PreparedMatrix
  readonly k: PreparedMatrix
  readonly v: PreparedMatrix
  readonly o: PreparedMatrix
  readonly gate: PreparedMatrix
  readonly up: PreparedMatrix
  readonly down: PreparedMatrix
}

/**
 * A Llama-family decoder on the CPU: batched prompt processing and token-by-token decoding through a
 * composable `KVCache`, grouped-query attention, RoPE (Hugging Face convention), tied embeddings.
 */
export class Model {
  readonly config: LlamaConfig
  readonly weights: LlamaWeights
  /** Absent for a checkpoint without `tokenizer.json`: text methods then throw `MissingTokenizerError`. */
  readonly tokenizer: TextTokenizer | undefined
  /** Where the model came from, for messages and reports: a name, or the folder it was read from. */
  readonly source: string | undefined
  readonly invFreq: Float32Array
  /** The projections of every layer, prepared for fast products (WebAssembly SIMD when present). */
  readonly projections: readonly LayerProjections[]
  readonly lmHead: PreparedMatrix

  constructor(
    config: LlamaConfig,
    weights: LlamaWeights,
    tokenizer: TextTokenizer | undefined,
    source?: string,
  ) {
    this.config = config
    this.weights = weights
    this.tokenizer = tokenizer
    this.source = source
    this.invFreq = ropeInvFreq(config.headDim, config.ropeTheta)
    const { hiddenSize: h, intermediateSize: m, numHeads, numKVHeads, headDim, vocabSize } = config
    this.projections = weights.layers.map((w) => ({
      q: prepareMatrix(w.q, numHeads * headDim, h),
      k: prepareMatrix(w.k, numKVHeads * headDim, h),
      v: prepareMatrix(w.v, numKVHeads * headDim, h),
      o: prepareMatrix(w.o, h, numHeads * headDim),
      gate: prepareMatrix(w.gate, m, h),
      up: prepareMatrix(w.up, m, h),
      down: prepareMatrix(w.down, h, m),
    }))
    this.lmHead = prepareMatrix(weights.lmHead, vocabSize, h)
  }

  /**
   * A cache for one sequence, composed from optional plug-ins; an impossible combination is refused
   * with an error that names the parts.
   *
   * @example
   * const cache = model.createCache({ policy: streamingLLM({ sinks: 4, window: 508 }), codec: uniform({ bits: 4 }) })
   */
  createCache(options: CacheOptions = {}): KVCache {
    const { numLayers, numKVHeads, numHeads, headDim, maxPositions, ropeTheta } = this.config
    return new KVCache(
      {
        numLayers,
        numKVHeads,
        numHeads,
        headDim,
        maxPositions,
        ropeTheta,
        backendAttention: true,
        backend: 'cpu',
      },
      options,
    )
  }

  private checkTokens(tokens: ArrayLike<number>, where: string): void {
    const vocab = this.config.vocabSize
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!
      if (!Number.isInteger(token) || token < 0 || token >= vocab) {
        throw new RangeError(`${where}: token[${i}] = ${token} is outside the vocabulary [0, ${vocab})`)
      }
    }
  }

  /**
   * Runs prompt tokens through the cache and returns the logits of every position, `[tokens, vocab]` (or
   * only the last row with `lastOnly`). Into an empty cache the prompt runs in one batch, then the cache
   * plans and compresses (phase `prefill`). Into a cache that already holds a sequence (the next turn of
   * a conversation) the tokens are decoded one by one, each attending to what the cache holds.
   * All or nothing: when anything fails, the cache is left as it was before the call.
   */
  async prefill(
    tokens: ArrayLike<number>,
    cache: KVCache,
    options: { lastOnly?: boolean; trace?: PromptTrace } = {},
  ): Promise<Float32Array> {
    this.checkTokens(tokens, 'prefill')
    if (tokens.length === 0) throw new RangeError('prefill: the prompt is empty')
    if (cache.length !== 0) return this.continuePrompt(tokens, cache, options.lastOnly === true)
    const { hiddenSize } = this.config
    const count = tokens.length
    const hidden = new Float32Array(count * hiddenSize)
    for (let t = 0; t < count; t++) {
      hidden.set(
        this.weights.embedding.subarray(tokens[t]! * hiddenSize, (tokens[t]! + 1) * hiddenSize),
        t * hiddenSize,
      )
    }
    const positions = Int32Array.from({ length: count }, (_, t) => t)
    try {
      const runs = layerMasks(cache, positions, this.config.numLayers)
      for (let layer = 0; layer < this.config.numLayers; layer++) {
        promptLayer(this, layer, hidden, positions, runs[layer]!, cache, options.trace)
      }
      cache.endStep({ phase: 'prefill', tokens: count })
    } catch (error) {
      cache.abortStep()
      throw error
    }
    if (options.lastOnly)
      return finalLogits(this, hidden.subarray((count - 1) * hiddenSize, count * hiddenSize))
    return finalLogitsRows(this, hidden, count)
  }

  /** The next turn's tokens, one step each; all or nothing (a failure puts back the saved cache). */
  private async continuePrompt(tokens: ArrayLike<number>, cache: KVCache, lastOnly: boolean) {
    const vocab = this.config.vocabSize
    const rows = new Float32Array((lastOnly ? 1 : tokens.length) * vocab)
    const before = tokens.length > 1 ? cache.saveState() : undefined
    try {
      for (let t = 0; t < tokens.length; t++) {
        const logits = await decodeStep(this, tokens[t]!, cache)
        if (!lastOnly) rows.set(logits, t * vocab)
        else if (t === tokens.length - 1) rows.set(logits)
      }
    } catch (error) {
      if (before) cache.loadState(before)
      throw error
    }
    return rows
  }

  /**
   * Decodes one token at the next position of `cache` and returns the next-token logits `[vocab]`. On a
   * cache with an accelerator (WebGPU) each layer's attention is awaited on the device.
   */
  async step(token: number, cache: KVCache): Promise<Float32Array> {
    this.checkTokens([token], 'step')
    return decodeStep(this, token, cache)
  }

  /** Streams generated text; see `GenerateOptions`. Needs a tokenizer (`MissingTokenizerError`). */
  generate(prompt: string, options: GenerateOptions): AsyncGenerator<string> {
    requireTokenizer(this, 'generate')
    return generate(this, prompt, options)
  }
}

/** For each layer, which prompt rows run it (all, unless an exit schedule skips some). */
function layerMasks(cache: KVCache, positions: Int32Array, numLayers: number): (Int32Array | null)[] {
  const exit = cache.options.exit
  if (!exit) return new Array<Int32Array | null>(numLayers).fill(null)
  const mask = new Uint8Array(numLayers)
  const rows: number[][] = Array.from({ length: numLayers }, () => [])
  for (let t = 0; t < positions.length; t++) {
    exit.layers(positions[t]!, numLayers, mask)
    for (let layer = 0; layer < numLayers; layer++) if (mask[layer]) rows[layer]!.push(t)
  }
  return rows.map((list) => (list.length === positions.length ? null : Int32Array.from(list)))
}

export type { CacheOptions }
