import { parseArgs } from 'node:util'
import type { MethodRegistry } from '@kv/cache'
import { buildPipeline, modelFrom } from '../context.js'

export const GENERATE_HELP = `kv generate [--model DIR] [--pipeline SPEC] [--max-tokens N] [--temperature T] [--seed S] PROMPT
  Generates text from PROMPT with the given cache pipeline (default: full) and prints the cache's stats.`

export async function generateCommand(argv: string[], registry?: MethodRegistry): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      pipeline: { type: 'string', default: 'full' },
      'max-tokens': { type: 'string', default: '64' },
      temperature: { type: 'string', default: '0' },
      seed: { type: 'string', default: '0' },
    },
  })
  const prompt = positionals.join(' ')
  if (prompt === '') throw new RangeError(`kv generate: give a prompt\n${GENERATE_HELP}`)
  const model = await modelFrom(values.model)
  const cache = model.createCache(buildPipeline(model, values.pipeline!, registry))
  process.stdout.write(prompt)
  const started = performance.now()
  let tokens = 0
  for await (const piece of model.generate(prompt, {
    cache,
    maxTokens: Number(values['max-tokens']),
    temperature: Number(values.temperature),
    seed: Number(values.seed),
    onToken: () => tokens++,
  })) {
    process.stdout.write(piece)
  }
  const seconds = (performance.now() - started) / 1000
  const stats = cache.stats()
  process.stdout.write(
    `\n\n[${cache.description}] ${tokens} tokens in ${seconds.toFixed(2)} s; cache holds ${stats.totalTokens} token-heads, ` +
      `${(stats.physicalBytes / 1024).toFixed(1)} KiB physical, ${stats.ratio.toFixed(2)}× smaller than float16\n`,
  )
}
