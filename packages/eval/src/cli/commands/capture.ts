import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { captureHeads } from '../../capture/capture-heads.js'
import { heldOutFor, loadTarget, readModelTarget, requireTokenizerFile } from '../model-target.js'
import { parseCommandLine, UsageError } from '../options.js'
import { checkOutputPath } from '../output-path.js'
import { Progress } from '../progress.js'

export const CAPTURE_OPTIONS = {
  out: { type: 'string', metavar: 'a folder to write (required)' },
  model: { type: 'string', metavar: 'a checkpoint folder (default: the embedded model)' },
  layers: { type: 'integers', default: [1, 4, 7], min: 0 },
  tokens: { type: 'integer', default: 12282, min: 2 },
} as const

export const CAPTURE_HELP = `kv capture --out DIR [--model DIR] [--layers 1,4,7] [--tokens 12282] [--quiet]
  Writes the rotated keys and queries of the chosen layers over held-out text for retrieval benchmarks
  (@kv/retrieval-ann: pnpm --filter @kv/retrieval-ann exec tsx bench/real.ts DIR): DIR/capture.json and
  raw little-endian float32 files, keys [tokens, headDim] and each KV head's query heads [tokens·group, headDim].`

export async function captureCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandLine('kv capture', argv, CAPTURE_OPTIONS)
  if (values.out === undefined) throw new UsageError(`kv capture: --out DIR is required\n${CAPTURE_HELP}`)
  checkOutputPath('kv capture', 'out', values.out, { folder: true })
  const layers = values.layers
  if (layers.length === 0) throw new UsageError('kv capture: --layers names no layer')
  const target = await readModelTarget(values.model)
  requireTokenizerFile(target, 'kv capture')
  const numLayers = target.config.numLayers
  for (const layer of layers) {
    if (layer >= numLayers)
      throw new UsageError(`kv capture: --layers: ${layer} is not a layer (0..${numLayers - 1})`)
  }
  const progress = new Progress('kv capture', { quiet: values.quiet })
  const model = await loadTarget(target, progress)
  const stream = await heldOutFor(model, 'kv capture', progress)
  const tokens = Math.min(values.tokens, stream.length)
  const captured = await captureHeads(model, stream.subarray(0, tokens), {
    layers,
    onProgress: (done, total) => progress.update({ stage: 'prefill windows', done, total }),
  })
  progress.update({ stage: 'writing files' })
  const d = captured.headDim
  await mkdir(values.out, { recursive: true })
  const heads: { layer: number; head: number; keys: string; queries: string }[] = []
  for (const [at, layer] of layers.entries()) {
    const kvHeads = captured.keys[at]!
    const group = captured.queries[at]!.length / kvHeads.length
    for (const [head, keys] of kvHeads.entries()) {
      const queries = new Float32Array(captured.tokens * group * d)
      for (let t = 0; t < captured.tokens; t++) {
        for (let g = 0; g < group; g++) {
          queries.set(
            captured.queries[at]![head * group + g]!.subarray(t * d, t * d + d),
            (t * group + g) * d,
          )
        }
      }
      const name = `l${layer}h${head}`
      await writeFile(
        join(values.out, `${name}.keys.f32`),
        new Uint8Array(keys.buffer, keys.byteOffset, keys.byteLength),
      )
      await writeFile(join(values.out, `${name}.queries.f32`), new Uint8Array(queries.buffer))
      heads.push({ layer, head, keys: `${name}.keys.f32`, queries: `${name}.queries.f32` })
    }
  }
  await writeFile(
    join(values.out, 'capture.json'),
    `${JSON.stringify({ headDim: d, tokens: captured.tokens, heads }, null, 2)}\n`,
  )
  progress.end()
  process.stdout.write(
    `kv capture: ${heads.length} heads × ${captured.tokens} tokens written to ${values.out}\n`,
  )
}
