import { windowedPerplexity } from '../../eval/windows.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine } from '../options.js'
import { Progress } from '../progress.js'

export const PERPLEXITY_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  windows: { type: 'integer', min: 1 },
} as const

export const PERPLEXITY_HELP = `kv perplexity [--model DIR] [--windows N] [--quiet]
  Held-out perplexity with the full cache by the MODEL_CARD protocol (windows of the trained context);
  --windows limits the number of windows for a quick run.`

export async function perplexityCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandLine('kv perplexity', argv, PERPLEXITY_OPTIONS)
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv perplexity')
  const progress = new Progress('kv perplexity', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const stream = await heldOutFor(model, 'kv perplexity', progress)
  const window = model.config.maxPositions
  const result = await windowedPerplexity(model, stream, {
    ...(values.windows === undefined ? {} : { maxWindows: values.windows }),
    onProgress: (done, total) =>
      progress.update({ stage: 'windows', done: done * window, total: total * window }),
  })
  progress.end()
  process.stdout.write(
    `held-out stream ${stream.length} tokens; ${result.windows} windows, ${result.tokens} scored tokens\n` +
      `perplexity ${result.perplexity.toFixed(3)} (mean cross-entropy ${result.meanNll.toFixed(4)} nats/token), ` +
      `${result.seconds.toFixed(1)} s, ${(result.tokens / result.seconds).toFixed(0)} tokens/s prefill\n`,
  )
}
