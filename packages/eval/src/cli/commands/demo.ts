import type { MethodRegistry } from '@kv/cache'
import type { KVCache, Model, TextTokenizer } from '@kv/runtime'
import { pickToken, requireTokenizer } from '@kv/runtime'
import { Rng } from '@kv/tensor'
import { savedAgainstFloat16, sizeAgainstFloat16, sizeCell } from '../../eval/float16-wording.js'
import { logSoftmax, ScoreAccumulator } from '../../eval/metrics.js'
import { formatTable } from '../../eval/report.js'
import { methodRegistry } from '../../methods/installed.js'
import { parseSpecs, pipelinesFor, splitSpecs } from '../context.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { Progress } from '../progress.js'

export const DEMO_PIPELINE = 'kivi:bits=4,groupSize=32,residual=32'

export const DEMO_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  pipeline: { type: 'string', metavar: 'a pipeline spec', default: DEMO_PIPELINE },
  context: { type: 'integer', default: 1024, min: 2 },
  generate: { type: 'integer', default: 40, min: 1 },
  score: { type: 'integer', default: 256, min: 1 },
} as const

export const DEMO_HELP = `kv demo [--model DIR] [--pipeline SPEC] [--context 1024] [--generate 40] [--score 256] [--quiet]
  Reads CONTEXT tokens of held-out text into a full cache and into a compressed one, generates a
  continuation with each side by side, scores the true continuation with both, and prints what the
  compression saved and what it cost.`

interface Side {
  label: string
  cache: KVCache
  text: string
  decodeSeconds: number
  scores: ScoreAccumulator
}

type Report = (stage: string, done: number, total: number) => void

async function continueText(
  model: Model,
  tokenizer: TextTokenizer,
  cache: KVCache,
  first: Float32Array,
  count: number,
  report: Report,
): Promise<{ text: string; seconds: number }> {
  const generated: number[] = []
  let logits = first
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const token = pickToken(logits, 0, 1, new Rng(0))
    generated.push(token)
    logits = await model.step(token, cache)
    report('generating', i + 1, count)
  }
  return { text: tokenizer.decode(generated), seconds: (performance.now() - started) / 1000 }
}

export async function demoCommand(
  argv: string[],
  registry: MethodRegistry = methodRegistry(),
): Promise<void> {
  const { values } = parseCommandLine('kv demo', argv, DEMO_OPTIONS)
  parseSpecs(values.pipeline, registry, 'kv demo --pipeline')
  if (splitSpecs(values.pipeline).length > 1)
    throw new UsageError(
      `kv demo: --pipeline takes one pipeline, got "${values.pipeline}" (kv eval --pipelines compares several)`,
    )
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv demo')
  const { context, score, generate } = values
  const positions = target.config.maxPositions
  if (context + Math.max(score, generate) > positions) {
    throw new UsageError(
      `kv demo: --context (${context}) + --score (${score}) and + --generate (${generate}) must fit the model's ${positions}-token context`,
    )
  }
  const [pipeline] = pipelinesFor(values.pipeline, registry, target.context)
  if (!pipeline) throw new UsageError('kv demo: --pipeline names no pipeline')
  const progress = new Progress('kv demo', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const vocab = model.config.vocabSize
  const tokenizer = requireTokenizer(model, 'kv demo')
  const stream = await heldOutFor(model, 'kv demo', progress)
  const start = 40_000
  const prompt = new Int32Array(context)
  prompt.set(stream.subarray(start, start + context - 1), 1)
  const truth = stream.subarray(start + context - 1, start + context - 1 + score)
  progress.clear()
  process.stdout.write(
    `model ${model.source?.split('/').pop()} — ${context} tokens of held-out text read into each cache:\n…${tokenizer.decode(prompt.subarray(context - 40))}\n\n`,
  )

  const sides: Side[] = []
  const referenceRows: Float32Array[] = []
  const entries = [
    { label: 'full cache', build: async () => ({}) },
    { label: pipeline.label, build: pipeline.build },
  ]
  for (const [index, entry] of entries.entries()) {
    const item = { index: index + 1, count: entries.length, label: entry.label }
    const report: Report = (stage, done, total) => progress.update({ item, stage, done, total })
    const options = await entry.build()
    // Generation: prefill the prompt, then greedy decoding.
    report('prefill', 0, context)
    const cache = model.createCache(options)
    const first = await model.prefill(prompt, cache, { lastOnly: true })
    const { text, seconds } = await continueText(model, tokenizer, cache, first, generate, report)
    // Quality: the same prompt, then the true continuation scored token by token.
    const scoring = model.createCache(await entry.build())
    const scores = new ScoreAccumulator(vocab)
    report('scoring prefill', 0, context)
    let logits = await model.prefill(prompt, scoring, { lastOnly: true })
    for (let i = 0; i < score; i++) {
      scores.add(logits, 0, truth[i]!, sides[0] ? referenceRows[i] : undefined)
      if (!sides[0]) referenceRows.push(logProbs(logits, vocab))
      if (i + 1 < score) logits = await model.step(truth[i]!, scoring)
      report('scoring', i + 1, score)
    }
    sides.push({ label: entry.label, cache, text, decodeSeconds: seconds, scores })
  }
  progress.end()
  for (const side of sides) process.stdout.write(`[${side.label}]\n${side.text.trim()}\n\n`)
  const [full, compressed] = sides as [Side, Side]
  const rows = sides.map((side) => {
    const stats = side.cache.stats()
    return [
      side.label,
      `${(stats.physicalBytes / 1024).toFixed(0)} KiB`,
      sizeCell(stats.physicalBytes, stats.float16Bytes),
      side.scores.perplexity.toFixed(2),
      side === full ? '—' : side.scores.meanKl.toFixed(4),
      side === full ? '—' : side.scores.top1.toFixed(3),
      (generate / side.decodeSeconds).toFixed(1),
    ]
  })
  process.stdout.write(
    `${formatTable(['cache', 'physical', 'vs float16', `ppl (${score} tok)`, 'KL', 'top-1', 'tok/s'], rows)}\n`,
  )
  const stats = compressed.cache.stats()
  const fullStats = full.cache.stats()
  process.stdout.write(
    `\nThe full cache (float32) is ${sizeAgainstFloat16(fullStats.physicalBytes, fullStats.float16Bytes)}. ` +
      `${compressed.label} holds the same ${context + generate} tokens in ${(stats.physicalBytes / 1024).toFixed(0)} KiB, ` +
      `${sizeAgainstFloat16(stats.physicalBytes, stats.float16Bytes)} (${savedAgainstFloat16(stats.physicalBytes, stats.float16Bytes)}), ` +
      `at a perplexity ${signedPercent(compressed.scores.perplexity / full.scores.perplexity - 1)} ` +
      `from the full cache's on the next ${score} held-out tokens.\n`,
  )
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : '−'}${Math.abs(100 * fraction).toFixed(2)}%`
}

function logProbs(logits: Float32Array, vocab: number): Float32Array {
  const out = new Float32Array(vocab)
  logSoftmax(logits, 0, vocab, out)
  return out
}
