import { formatTable } from '../../eval/report.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine } from '../options.js'
import { Progress } from '../progress.js'

export const SIMILARITY_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  tokens: { type: 'integer', default: 2048, min: 2 },
} as const

export const SIMILARITY_HELP = `kv similarity [--model DIR] [--tokens 2048] [--quiet]
  Cosine similarity of adjacent layers' keys and values, token by token, on held-out text: the
  observation MiniCache rests on.`

export async function similarityCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandLine('kv similarity', argv, SIMILARITY_OPTIONS)
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv similarity')
  const { layerSimilarity } = await import('@kv/merge-minicache')
  const progress = new Progress('kv similarity', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const { numLayers, numKVHeads, headDim } = model.config
  const stream = await heldOutFor(model, 'kv similarity', progress)
  const count = Math.min(values.tokens, model.config.maxPositions)
  progress.update({ stage: 'prefill', done: 0, total: count })
  const input = new Int32Array(count)
  input.set(stream.subarray(0, count - 1), 1)
  const keys: Float32Array[] = []
  const vals: Float32Array[] = []
  await model.prefill(input, model.createCache(), {
    lastOnly: true,
    trace: {
      onLayer: (layer, _q, k, v) => {
        keys[layer] = k.slice()
        vals[layer] = v.slice()
      },
    },
  })
  progress.end()
  const rows: string[][] = []
  for (let layer = 0; layer + 1 < numLayers; layer++) {
    const k = layerSimilarity(keys[layer]!, keys[layer + 1]!, count * numKVHeads, headDim)
    const v = layerSimilarity(vals[layer]!, vals[layer + 1]!, count * numKVHeads, headDim)
    rows.push([
      `${layer}–${layer + 1}`,
      k.mean.toFixed(3),
      k.median.toFixed(3),
      v.mean.toFixed(3),
      v.median.toFixed(3),
    ])
  }
  process.stdout.write(
    `adjacent-layer cosine similarity over ${count} held-out tokens × ${numKVHeads} KV heads\n`,
  )
  process.stdout.write(
    `${formatTable(['layers', 'key mean', 'key median', 'value mean', 'value median'], rows)}\n`,
  )
}
