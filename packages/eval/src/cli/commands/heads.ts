import { writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { requireTokenizer } from '@kv/runtime'
import { calibrationDocument } from '../../data/calibration.js'
import { checkpointFolder, HEAD_SCORES_FILE } from '../context.js'
import { loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { checkOutputPath } from '../output-path.js'
import { Progress } from '../progress.js'

export const HEADS_OPTIONS = {
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  span: { type: 'integer', default: 256, min: 2 },
  out: { type: 'string', metavar: 'a file (default: retrieval-heads.json beside the model)' },
} as const

export const HEADS_HELP = `kv heads [--model DIR] [--span 256] [--out FILE] [--quiet]
  Scores every KV head for retrieval (echo and induction attention on a repeated span of calibration
  text, not the held-out text) and writes the artefact that razor/duo policies load.`

export async function headsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandLine('kv heads', argv, HEADS_OPTIONS)
  if (values.out !== undefined) checkOutputPath('kv heads', 'out', values.out)
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv heads')
  if (2 * values.span + 1 > target.config.maxPositions) {
    throw new UsageError(
      `kv heads: --span ${values.span} twice (and a first token) must fit the model's ${target.config.maxPositions}-token context`,
    )
  }
  const evict = await import('@kv/evict')
  const progress = new Progress('kv heads', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const { numLayers, numHeads, numKVHeads, bosTokenId } = model.config
  const text = await calibrationDocument()
  const tokens = Int32Array.from(requireTokenizer(model, 'kv heads').encode(text))
  const sequence = evict.makeCalibrationSequence(tokens, {
    spanLength: values.span,
    start: 0,
    prefix: Int32Array.of(bosTokenId),
  })
  const maps = new Map<string, Float32Array>()
  progress.update({ stage: 'prefill', done: 0, total: sequence.length })
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
  progress.end()
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
