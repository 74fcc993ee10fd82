import type { MethodRegistry } from '@kv/cache'
import type { Model } from '@kv/runtime'
import type { PipelineUnderTest } from '../../eval/evaluate.js'
import { sizeCell } from '../../eval/float16-wording.js'
import { formatTable } from '../../eval/report.js'
import { methodRegistry } from '../../methods/installed.js'
import { parseSpecs, pipelinesFor } from '../context.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { Progress, type ProgressState } from '../progress.js'

export const BENCH_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  pipelines: { type: 'string', metavar: 'pipeline specs, ;-separated', default: 'kivi:bits=4;gear:bits=4' },
  context: { type: 'integer', default: 2048, min: 2 },
  steps: { type: 'integer', default: 64, min: 1 },
  rounds: { type: 'integer', default: 3, min: 1 },
} as const

export const BENCH_HELP = `kv bench [--model DIR] [--pipelines "SPEC;…"] [--context 2048] [--steps 64] [--rounds 3] [--quiet]
  Decode speed (tokens/s) with a cache holding CONTEXT tokens, for the full cache and each pipeline in the
  same run (interleaved rounds, median), and prefill speed.`

interface Timing {
  prefillSeconds: number
  decodeSeconds: number
  physicalBytes: number
  float16Bytes: number
}

async function timeOne(
  model: Model,
  pipeline: PipelineUnderTest | undefined,
  tokens: Int32Array,
  context: number,
  steps: number,
  report: (state: Omit<ProgressState, 'item'>) => void,
): Promise<Timing> {
  const cache = model.createCache(pipeline ? await pipeline.build() : {})
  const prompt = new Int32Array(context - steps)
  prompt.set(tokens.subarray(0, prompt.length - 1), 1)
  report({ stage: 'prefill', done: 0, total: prompt.length })
  let started = performance.now()
  await model.prefill(prompt, cache, { lastOnly: true })
  const prefillSeconds = (performance.now() - started) / 1000
  started = performance.now()
  for (let i = 0; i < steps; i++) {
    await model.step(tokens[prompt.length - 1 + i]!, cache)
    report({ stage: 'decode', done: i + 1, total: steps })
  }
  const decodeSeconds = (performance.now() - started) / 1000
  const stats = cache.stats()
  return {
    prefillSeconds,
    decodeSeconds,
    physicalBytes: stats.physicalBytes,
    float16Bytes: stats.float16Bytes,
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export async function benchCommand(
  argv: string[],
  registry: MethodRegistry = methodRegistry(),
): Promise<void> {
  const { values } = parseCommandLine('kv bench', argv, BENCH_OPTIONS)
  const { context, steps, rounds } = values
  if (steps >= context)
    throw new UsageError(`kv bench: --steps (${steps}) must be below --context (${context})`)
  parseSpecs(values.pipelines, registry, 'kv bench --pipelines')
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv bench')
  if (context > target.config.maxPositions) {
    throw new UsageError(
      `kv bench: --context (${context}) must be at most the model's context, ${target.config.maxPositions}`,
    )
  }
  const pipelines = pipelinesFor(values.pipelines, registry, target.context)
  const progress = new Progress('kv bench', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const tokens = await heldOutFor(model, 'kv bench', progress)
  const entries: (PipelineUnderTest | undefined)[] = [undefined, ...pipelines]
  const timings: Timing[][] = entries.map(() => [])
  await timeOne(model, undefined, tokens, Math.min(context, 256), Math.min(8, context - 1), (state) =>
    progress.update({ ...state, stage: `warm-up ${state.stage}` }),
  )
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const item = {
        index: round * entries.length + i + 1,
        count: rounds * entries.length,
        label: `round ${round + 1}/${rounds} ${entries[i]?.label ?? 'full'}`,
      }
      timings[i]!.push(
        await timeOne(model, entries[i], tokens, context, steps, (state) =>
          progress.update({ ...state, item }),
        ),
      )
    }
  }
  progress.end()
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
      sizeCell(t[0]!.physicalBytes, t[0]!.float16Bytes),
    ]
  })
  process.stdout.write(
    `decode at ${context} tokens of context (${steps} steps, median of ${rounds} rounds), prefill of ${context - steps} tokens\n`,
  )
  process.stdout.write(
    `${formatTable(['pipeline', 'decode tok/s', 'vs full', 'prefill tok/s', 'physical', 'vs float16'], rows)}\n`,
  )
}
