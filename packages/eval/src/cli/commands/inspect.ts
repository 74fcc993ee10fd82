import { loadTarget, readModelTarget } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { Progress } from '../progress.js'

export const INSPECT_HELP = `kv inspect [MODEL] [--quiet]
  Loads a checkpoint folder (default: the embedded model) and prints its configuration and sizes.`

export async function inspectCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine('kv inspect', argv, {}, { positionals: true })
  if (positionals.length > 1)
    throw new UsageError(
      `kv inspect takes one model folder, got ${positionals.length}: ${positionals.join(' ')}`,
    )
  const target = await readModelTarget(positionals[0])
  const progress = new Progress('kv inspect', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  progress.clear()
  const c = model.config
  let parameters = model.weights.embedding.length + model.weights.finalNorm.length
  if (model.weights.lmHead !== model.weights.embedding) parameters += model.weights.lmHead.length
  for (const layer of model.weights.layers)
    for (const tensor of Object.values(layer)) parameters += tensor.length
  const kvBytesPerToken = c.numLayers * c.numKVHeads * c.headDim * 2 * 2
  const lines = [
    `model        ${model.source}`,
    `architecture ${c.architecture}`,
    `layers       ${c.numLayers}, hidden ${c.hiddenSize}, MLP ${c.intermediateSize}`,
    `attention    ${c.numHeads} query heads, ${c.numKVHeads} KV heads, head_dim ${c.headDim}`,
    `RoPE theta   ${c.ropeTheta}, RMSNorm eps ${c.rmsNormEps}, context ${c.maxPositions}`,
    `vocabulary   ${c.vocabSize} (tokenizer ${model.tokenizer?.vocabSize ?? 'none: no tokenizer.json'}), tied embeddings ${c.tieWordEmbeddings}`,
    `parameters   ${parameters.toLocaleString('en-US')}`,
    `KV cache     ${kvBytesPerToken} bytes per token in float16 (${((kvBytesPerToken * c.maxPositions) / 2 ** 20).toFixed(1)} MiB at ${c.maxPositions} tokens)`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
