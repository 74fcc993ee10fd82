import { parseArgs } from 'node:util'
import { requireTokenizer } from '@kv/runtime'
import { heldOutTokens } from '../../data/heldout.js'
import { windowedPerplexity } from '../../eval/windows.js'
import { endProgress, modelFrom, progress } from '../context.js'

export const PERPLEXITY_HELP = `kv perplexity [--model DIR] [--windows N]
  Held-out perplexity with the full cache by the MODEL_CARD protocol (windows of the trained context);
  --windows limits the number of windows for a quick run.`

export async function perplexityCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, windows: { type: 'string' } },
  })
  const model = await modelFrom(values.model)
  const stream = await heldOutTokens(requireTokenizer(model, 'kv perplexity'), model.config.bosTokenId)
  const result = await windowedPerplexity(model, stream, {
    ...(values.windows === undefined ? {} : { maxWindows: Number(values.windows) }),
    onProgress: (done, total) => progress(`window ${done}/${total}`),
  })
  endProgress()
  process.stdout.write(
    `held-out stream ${stream.length} tokens; ${result.windows} windows, ${result.tokens} scored tokens\n` +
      `perplexity ${result.perplexity.toFixed(3)} (mean cross-entropy ${result.meanNll.toFixed(4)} nats/token), ` +
      `${result.seconds.toFixed(1)} s, ${(result.tokens / result.seconds).toFixed(0)} tokens/s prefill\n`,
  )
}
