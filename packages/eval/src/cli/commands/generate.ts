import type { MethodRegistry } from '@kv/cache'
import { sizeAgainstFloat16 } from '../../eval/float16-wording.js'
import { methodRegistry } from '../../methods/installed.js'
import { parseSpecs, pipelinesFor, splitSpecs } from '../context.js'
import { loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { Progress } from '../progress.js'

export const GENERATE_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  pipeline: { type: 'string', metavar: 'a pipeline spec', default: 'full' },
  'max-tokens': { type: 'integer', default: 64, min: 1 },
  temperature: { type: 'number', default: 0, min: 0 },
  seed: { type: 'integer', default: 0, min: 0 },
} as const

export const GENERATE_HELP = `kv generate [--model DIR] [--pipeline SPEC] [--max-tokens 64] [--temperature 0] [--seed 0] [--quiet] PROMPT
  Generates text from PROMPT with the given cache pipeline (default: full) and prints the cache's stats.`

export async function generateCommand(
  argv: string[],
  registry: MethodRegistry = methodRegistry(),
): Promise<void> {
  const { values, positionals } = parseCommandLine('kv generate', argv, GENERATE_OPTIONS, {
    positionals: true,
  })
  const prompt = positionals.join(' ')
  if (prompt.trim() === '') throw new UsageError(`kv generate: give a prompt\n${GENERATE_HELP}`)
  parseSpecs(values.pipeline, registry, 'kv generate --pipeline')
  if (splitSpecs(values.pipeline).length > 1)
    throw new UsageError(
      `kv generate: --pipeline takes one pipeline, got "${values.pipeline}" (kv eval --pipelines compares several)`,
    )
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv generate')
  const [pipeline] = pipelinesFor(values.pipeline, registry, target.context)
  const progress = new Progress('kv generate', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  progress.clear()
  const cache = model.createCache(pipeline ? await pipeline.build() : {})
  process.stdout.write(prompt)
  const started = performance.now()
  let tokens = 0
  for await (const piece of model.generate(prompt, {
    cache,
    maxTokens: values['max-tokens'],
    temperature: values.temperature,
    seed: values.seed,
    onToken: () => tokens++,
  })) {
    process.stdout.write(piece)
  }
  const seconds = (performance.now() - started) / 1000
  const stats = cache.stats()
  process.stdout.write(
    `\n\n[${cache.description}] ${tokens} tokens in ${seconds.toFixed(2)} s; cache holds ${stats.totalTokens} token-heads, ` +
      `${(stats.physicalBytes / 1024).toFixed(1)} KiB physical, ${sizeAgainstFloat16(stats.physicalBytes, stats.float16Bytes)}\n`,
  )
}
