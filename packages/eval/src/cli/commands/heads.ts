import { writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { requireTokenizer } from '@kv/runtime'
import { calibrationDocument } from '../../data/calibration.js'
import { checkpointFolder, HEAD_SCORES_FILE, modelFrom } from '../context.js'

export const HEADS_HELP = `kv heads [--model DIR] [--span 256] [--out FILE]
  Scores every KV head for retrieval (echo and induction attention on a repeated span of calibration
  text, not the held-out text) and writes the artefact that razor/duo policies load.`

export async function headsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, span: { type: 'string', default: '256' }, out: { type: 'string' } },
  })
  const evict = await import('@kv/evict')
  const model = await modelFrom(values.model)
  const { numLayers, numHeads, numKVHeads, bosTokenId } = model.config
  const text = await calibrationDocument()
  const tokens = Int32Array.from(requireTokenizer(model, 'kv heads').encode(text))
  const sequence = evict.makeCalibrationSequence(tokens, {
    spanLength: Number(values.span),
    start: 0,
    prefix: Int32Array.of(bosTokenId),
  })
  const maps = new Map<string, Float32Array>()
  await model.prefill(sequence, model.createCache(), {
    lastOnly: true,
    trace: { onAttention: (layer, head, weights) => maps.set(`${layer}/${head}`, weights.slice()) },
  })
  const scores = evict.retrievalHeadScores((layer, head) => maps.get(`${layer}/${head}`)!, sequence, {
    numLayers,
    numQueryHeads: numHeads,
    numKVHeads,
    model: basename(checkpointFolder(model)),
  })
  const out = values.out ?? join(checkpointFolder(model), HEAD_SCORES_FILE)
  await writeFile(out, evict.saveHeadScores(scores))
  const rows = scores.induction.map((heads, layer) =>
    heads
      .map(
        (score, head) =>
          `layer ${layer} head ${head}: induction ${score.toFixed(3)}, echo ${scores.echo[layer]![head]!.toFixed(3)}`,
      )
      .join('\n'),
  )
  process.stdout.write(`${rows.join('\n')}\nwrote ${out}\n`)
}
