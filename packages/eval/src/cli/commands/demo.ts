import { parseArgs } from 'node:util'
import type { MethodRegistry } from '@kv/cache'
import type { KVCache, Model, TextTokenizer } from '@kv/runtime'
import { pickToken, requireTokenizer } from '@kv/runtime'
import { Rng } from '@kv/tensor'
import { heldOutTokens } from '../../data/heldout.js'
import { logSoftmax, ScoreAccumulator } from '../../eval/metrics.js'
import { formatTable } from '../../eval/report.js'
import { buildPipeline, modelFrom } from '../context.js'

export const DEMO_HELP = `kv demo [--model DIR] [--pipeline SPEC] [--context 1024] [--generate 40] [--score 256]
  Reads CONTEXT tokens of held-out text into a full cache and into a compressed one, generates a
  continuation with each side by side, scores the true continuation with both, and prints what the
  compression saved and what it cost.`

export const DEMO_PIPELINE = 'kivi:bits=4,groupSize=32,residual=32'

interface Side {
  label: string
  cache: KVCache
  text: string
  decodeSeconds: number
  scores: ScoreAccumulator
}

async function continueText(
  model: Model,
  tokenizer: TextTokenizer,
  cache: KVCache,
  first: Float32Array,
  count: number,
): Promise<{ text: string; seconds: number }> {
  const generated: number[] = []
  let logits = first
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const token = pickToken(logits, 0, 1, new Rng(0))
    generated.push(token)
    logits = await model.step(token, cache)
  }
  return { text: tokenizer.decode(generated), seconds: (performance.now() - started) / 1000 }
}

export async function demoCommand(argv: string[], registry?: MethodRegistry): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      pipeline: { type: 'string', default: DEMO_PIPELINE },
      context: { type: 'string', default: '1024' },
      generate: { type: 'string', default: '40' },
      score: { type: 'string', default: '256' },
    },
  })
  const model = await modelFrom(values.model)
  const vocab = model.config.vocabSize
  const context = Number(values.context)
  const score = Number(values.score)
  if (!(context >= 2 && context + score <= model.config.maxPositions)) {
    throw new RangeError(
      `kv demo: --context (${context}) + --score (${score}) must fit the ${model.config.maxPositions}-token context`,
    )
  }
  const tokenizer = requireTokenizer(model, 'kv demo')
  const stream = await heldOutTokens(tokenizer, model.config.bosTokenId)
  const start = 40_000
  const prompt = new Int32Array(context)
  prompt.set(stream.subarray(start, start + context - 1), 1)
  const truth = stream.subarray(start + context - 1, start + context - 1 + score)
  process.stdout.write(
    `model ${model.source?.split('/').pop()} — ${context} tokens of held-out text read into each cache:\n…${tokenizer.decode(prompt.subarray(context - 40))}\n\n`,
  )

  const sides: Side[] = []
  const referenceRows: Float32Array[] = []
  for (const [label, spec] of [
    ['full cache', 'full'],
    [values.pipeline!, values.pipeline!],
  ] as const) {
    const options = buildPipeline(model, spec, registry)
    // Generation: prefill the prompt, then greedy decoding.
    const cache = model.createCache(options)
    const first = await model.prefill(prompt, cache, { lastOnly: true })
    const { text, seconds } = await continueText(model, tokenizer, cache, first, Number(values.generate))
    // Quality: the same prompt, then the true continuation scored token by token.
    const scoring = model.createCache(options)
    const scores = new ScoreAccumulator(vocab)
    let logits = await model.prefill(prompt, scoring, { lastOnly: true })
    for (let i = 0; i < score; i++) {
      scores.add(logits, 0, truth[i]!, sides[0] ? referenceRows[i] : undefined)
      if (!sides[0]) referenceRows.push(logProbs(logits, vocab))
      if (i + 1 < score) logits = await model.step(truth[i]!, scoring)
    }
    sides.push({ label, cache, text, decodeSeconds: seconds, scores })
  }
  const generate = Number(values.generate)
  for (const side of sides) process.stdout.write(`[${side.label}]\n${side.text.trim()}\n\n`)
  const [full, compressed] = sides as [Side, Side]
  const rows = sides.map((side) => {
    const stats = side.cache.stats()
    return [
      side.label,
      `${(stats.physicalBytes / 1024).toFixed(0)} KiB`,
      `${stats.ratio.toFixed(2)}×`,
      side.scores.perplexity.toFixed(2),
      side === full ? '—' : side.scores.meanKl.toFixed(4),
      side === full ? '—' : side.scores.top1.toFixed(3),
      (generate / side.decodeSeconds).toFixed(1),
    ]
  })
  process.stdout.write(
    `${formatTable(['cache', 'physical', 'fp16/phys', `ppl (${score} tok)`, 'KL', 'top-1', 'tok/s'], rows)}\n`,
  )
  const saved = 1 - compressed.cache.stats().physicalBytes / full.cache.stats().physicalBytes
  process.stdout.write(
    `\n${compressed.label} holds the same ${context + generate} tokens in ${(100 * (1 - saved)).toFixed(1)}% of the full cache's memory ` +
      `(saved ${(100 * saved).toFixed(1)}%), at a perplexity ${((compressed.scores.perplexity / full.scores.perplexity - 1) * 100).toFixed(2)}% ` +
      `from the full cache's on the next ${score} held-out tokens.\n`,
  )
}

function logProbs(logits: Float32Array, vocab: number): Float32Array {
  const out = new Float32Array(vocab)
  logSoftmax(logits, 0, vocab, out)
  return out
}
