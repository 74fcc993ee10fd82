import { parseArgs } from 'node:util'
import { requireTokenizer } from '@kv/runtime'
import { heldOutTokens } from '../../data/heldout.js'
import { formatTable } from '../../eval/report.js'
import { modelFrom } from '../context.js'

export const SIMILARITY_HELP = `kv similarity [--model DIR] [--tokens 2048]
  Cosine similarity of adjacent layers' keys and values, token by token, on held-out text: the
  observation MiniCache rests on.`

export async function similarityCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, tokens: { type: 'string', default: '2048' } },
  })
  const { layerSimilarity } = await import('@kv/merge-minicache')
  const model = await modelFrom(values.model)
  const { numLayers, numKVHeads, headDim } = model.config
  const stream = await heldOutTokens(requireTokenizer(model, 'kv similarity'), model.config.bosTokenId)
  const count = Math.min(Number(values.tokens), model.config.maxPositions)
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
