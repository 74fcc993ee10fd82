import { parseArgs } from 'node:util'
import type { MethodRegistry } from '@kv/cache'
import type { Model } from '@kv/runtime'
import { requireTokenizer } from '@kv/runtime'
import { heldOutTokens } from '../../data/heldout.js'
import type { PipelineUnderTest } from '../../eval/evaluate.js'
import { formatTable } from '../../eval/report.js'
import { modelFrom, pipelinesFromSpecs } from '../context.js'

export const BENCH_HELP = `kv bench [--model DIR] [--pipelines "SPEC;…"] [--context 2048] [--steps 64] [--rounds 3]
  Decode speed (tokens/s) with a cache holding CONTEXT tokens, for the full cache and each pipeline in the
  same run (interleaved rounds, median), and prefill speed.`

interface Timing {
  prefillSeconds: number
  decodeSeconds: number
  physicalBytes: number
  ratio: number
}

async function timeOne(
  model: Model,
  pipeline: PipelineUnderTest | undefined,
  tokens: Int32Array,
  context: number,
  steps: number,
): Promise<Timing> {
  const cache = model.createCache(pipeline ? await pipeline.build() : {})
  const prompt = new Int32Array(context - steps)
  prompt.set(tokens.subarray(0, prompt.length - 1), 1)
  let started = performance.now()
  await model.prefill(prompt, cache, { lastOnly: true })
  const prefillSeconds = (performance.now() - started) / 1000
  started = performance.now()
  for (let i = 0; i < steps; i++) await model.step(tokens[prompt.length - 1 + i]!, cache)
  const decodeSeconds = (performance.now() - started) / 1000
  const stats = cache.stats()
  return { prefillSeconds, decodeSeconds, physicalBytes: stats.physicalBytes, ratio: stats.ratio }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export async function benchCommand(argv: string[], registry?: MethodRegistry): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      pipelines: { type: 'string', default: 'kivi:bits=4;gear:bits=4' },
      context: { type: 'string', default: '2048' },
      steps: { type: 'string', default: '64' },
      rounds: { type: 'string', default: '3' },
    },
  })
  const model = await modelFrom(values.model)
  const pipelines = await pipelinesFromSpecs(model, values.pipelines!, registry)
  const tokens = await heldOutTokens(requireTokenizer(model, 'kv bench'), model.config.bosTokenId)
  const context = Number(values.context)
  const steps = Number(values.steps)
  const rounds = Number(values.rounds)
  if (!(context > steps && steps > 0 && context <= model.config.maxPositions)) {
    throw new RangeError(
      `kv bench: need 0 < steps (${steps}) < context (${context}) <= ${model.config.maxPositions}`,
    )
  }
  const entries: (PipelineUnderTest | undefined)[] = [undefined, ...pipelines]
  const timings: Timing[][] = entries.map(() => [])
  await timeOne(model, undefined, tokens, Math.min(context, 256), 8)
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++)
      timings[i]!.push(await timeOne(model, entries[i], tokens, context, steps))
  }
  const decodeRate = (t: Timing[]) => steps / median(t.map((x) => x.decodeSeconds))
  const full = decodeRate(timings[0]!)
  const rows = entries.map((entry, i) => {
    const t = timings[i]!
    const rate = decodeRate(t)
    const prefill = (context - steps) / median(t.map((x) => x.prefillSeconds))
    return [
      entry?.label ?? 'full',
      rate.toFixed(1),
      `${(rate / full).toFixed(2)}×`,
      prefill.toFixed(0),
      `${(t[0]!.physicalBytes / 1024).toFixed(0)} KiB`,
      `${t[0]!.ratio.toFixed(2)}×`,
    ]
  })
  process.stdout.write(
    `decode at ${context} tokens of context (${steps} steps, median of ${rounds} rounds), prefill of ${context - steps} tokens\n`,
  )
  process.stdout.write(
    `${formatTable(['pipeline', 'decode tok/s', 'vs full', 'prefill tok/s', 'physical', 'fp16/phys'], rows)}\n`,
  )
}
