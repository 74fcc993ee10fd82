import type { CacheOptions, CacheStats, Model } from '@kv/runtime'
import { argmax, klDivergence } from './metrics.js'
import { type RecallResult, recallOverDistance } from './recall.js'
import { windowedReference } from './reference.js'
import { meanNll, runSequence } from './sequence.js'

/** A pipeline to evaluate: a label and a factory of fresh plug-ins (policies keep per-sequence state). */
export interface PipelineUnderTest {
  readonly label: string
  readonly spec: string
  readonly build: () => Promise<CacheOptions>
}

export type Protocol = 'streaming' | 'prefill'

export interface EvalSettings {
  readonly protocol: Protocol
  /** Streaming: stream tokens scored. Prefill: stream tokens used, cut into context + continuation segments. */
  readonly tokens: number
  /** Prefill protocol: tokens prefilled and compressed per segment. */
  readonly context: number
  /** Prefill protocol: tokens scored after each compressed context. */
  readonly continuation: number
  /** Recall over distance: filler lengths (empty: skip). */
  readonly fillers: readonly number[]
  readonly passages: number
  /** Called as tokens run through each cache (often: throttle it). */
  readonly onProgress?: (progress: EvalProgress) => void
}

/** Where an evaluation is: which cache, which stage, tokens run of the stage's total. */
export interface EvalProgress {
  /** 0: the full-cache reference; 1…count−1: the pipelines in order. */
  readonly index: number
  readonly count: number
  readonly label: string
  readonly stage: 'perplexity' | 'recall'
  readonly done: number
  readonly total: number
}

export interface PipelineResult {
  readonly label: string
  readonly spec: string
  readonly perplexity: number
  readonly perplexityRatio: number
  readonly kl: number
  readonly top1: number
  readonly recall: RecallResult[]
  readonly memory: CacheStats
  readonly tokensPerSecond: number
  readonly speedRatio: number
}

export interface EvalReport {
  readonly model: string
  readonly protocol: Protocol
  readonly scoredTokens: number
  readonly reference: {
    readonly label: string
    readonly perplexity: number
    readonly tokensPerSecond: number
  }
  readonly results: PipelineResult[]
}

interface Scored {
  logProbs: Float32Array
  targets: Int32Array
  tokensPerSecond: number
  memory: CacheStats
}

/** Builds the protocol's runs for one pipeline: all scored positions, their targets, speed and memory. */
async function scorePipeline(
  model: Model,
  options: CacheOptions,
  stream: Int32Array,
  settings: EvalSettings,
  progress: (done: number, total: number) => void,
): Promise<Scored> {
  const vocab = model.config.vocabSize
  if (settings.protocol === 'streaming') {
    const input = new Int32Array(settings.tokens)
    input.set(stream.subarray(0, settings.tokens - 1), 1)
    const run = await runSequence(model, options, input, {
      prefillTokens: 0,
      scoreFrom: 0,
      onProgress: (done) => progress(done, input.length),
    })
    return {
      logProbs: run.logProbs,
      targets: stream.slice(0, settings.tokens),
      tokensPerSecond: run.decodedTokens / run.decodeSeconds,
      memory: run.cache.stats(),
    }
  }
  const { context, continuation } = settings
  const segment = context + continuation
  const segments = Math.max(1, Math.floor(settings.tokens / segment))
  const logProbs = new Float32Array(segments * continuation * vocab)
  const targets = new Int32Array(segments * continuation)
  let seconds = 0
  let decoded = 0
  let memory: CacheStats | undefined
  for (let s = 0; s < segments; s++) {
    const start = s * segment
    const input = new Int32Array(segment - 1)
    input.set(stream.subarray(start, start + segment - 2), 1)
    const run = await runSequence(model, options, input, {
      prefillTokens: context,
      scoreFrom: context - 1,
      onProgress: (done) => progress(s * input.length + done, segments * input.length),
    })
    logProbs.set(run.logProbs, s * continuation * vocab)
    targets.set(stream.subarray(start + context - 1, start + segment - 1), s * continuation)
    seconds += run.decodeSeconds
    decoded += run.decodedTokens
    memory = run.cache.stats()
  }
  return { logProbs, targets, tokensPerSecond: decoded / seconds, memory: memory! }
}

/**
 * Evaluates pipelines against the full cache on the same tokens and protocol (DESIGN.md section 5):
 * perplexity and its ratio, KL(full ‖ method), top-1 agreement, recall over distance, memory, speed.
 * In the streaming protocol past the trained context, the reference is the full cache on windows of the
 * trained length (the MODEL_CARD protocol), since dense attention there is out of distribution.
 */
export async function evaluate(
  model: Model,
  stream: Int32Array,
  pipelines: PipelineUnderTest[],
  settings: EvalSettings,
): Promise<EvalReport> {
  const vocab = model.config.vocabSize
  const count = pipelines.length + 1
  const reporter =
    (index: number, label: string, stage: EvalProgress['stage']) => (done: number, total: number) =>
      settings.onProgress?.({ index, count, label, stage, done, total })
  const pastContext = settings.protocol === 'streaming' && settings.tokens > model.config.maxPositions
  let reference: Scored
  let referenceLabel = 'full'
  if (pastContext) {
    const windowed = await windowedReference(
      model,
      stream,
      settings.tokens,
      reporter(0, `full (windows of ${model.config.maxPositions})`, 'perplexity'),
    )
    reference = { ...windowed, tokensPerSecond: Number.NaN, memory: undefined as unknown as CacheStats }
    referenceLabel = `full (windows of ${model.config.maxPositions})`
  } else {
    reference = await scorePipeline(model, {}, stream, settings, reporter(0, 'full', 'perplexity'))
  }
  const referenceNll = meanNll(reference.logProbs, vocab, reference.targets, 0, reference.targets.length)
  const fullRecall =
    settings.fillers.length > 0
      ? await recallOverDistance(model, {}, stream, settings, undefined, reporter(0, 'full', 'recall'))
      : []

  const results: PipelineResult[] = []
  for (const [i, pipeline] of pipelines.entries()) {
    const options = await pipeline.build()
    const progress = reporter(i + 1, pipeline.label, 'perplexity')
    progress(0, settings.tokens)
    const scored = await scorePipeline(model, options, stream, settings, progress)
    const scoredCount = scored.targets.length
    let kl = 0
    let agree = 0
    for (let i = 0; i < scoredCount; i++) {
      kl += klDivergence(reference.logProbs, i * vocab, scored.logProbs, i * vocab, vocab)
      if (argmax(reference.logProbs, i * vocab, vocab) === argmax(scored.logProbs, i * vocab, vocab)) agree++
    }
    const nll = meanNll(scored.logProbs, vocab, scored.targets, 0, scoredCount)
    const recall =
      settings.fillers.length > 0
        ? await recallOverDistance(
            model,
            await pipeline.build(),
            stream,
            settings,
            fullRecall,
            reporter(i + 1, pipeline.label, 'recall'),
          )
        : []
    const referenceSpeed = pastContext ? Number.NaN : reference.tokensPerSecond
    results.push({
      label: pipeline.label,
      spec: pipeline.spec,
      perplexity: Math.exp(nll),
      perplexityRatio: Math.exp(nll - referenceNll),
      kl: kl / scoredCount,
      top1: agree / scoredCount,
      recall,
      memory: scored.memory,
      tokensPerSecond: scored.tokensPerSecond,
      speedRatio: scored.tokensPerSecond / referenceSpeed,
    })
  }
  return {
    model: model.source ?? 'unnamed model',
    protocol: settings.protocol,
    scoredTokens: reference.targets.length,
    reference: {
      label: referenceLabel,
      perplexity: Math.exp(referenceNll),
      tokensPerSecond: reference.tokensPerSecond,
    },
    results,
  }
}
