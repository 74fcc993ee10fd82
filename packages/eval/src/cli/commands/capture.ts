import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { requireTokenizer } from '@kv/runtime'
import { captureHeads } from '../../capture/capture-heads.js'
import { heldOutTokens } from '../../data/heldout.js'
import { modelFrom } from '../context.js'

export const CAPTURE_HELP = `kv capture --out DIR [--model DIR] [--layers 1,4,7] [--tokens 12282]
  Writes the rotated keys and queries of the chosen layers over held-out text for retrieval benchmarks
  (@kv/retrieval-ann: pnpm --filter @kv/retrieval-ann exec tsx bench/real.ts DIR): DIR/capture.json and
  raw little-endian float32 files, keys [tokens, headDim] and each KV head's query heads [tokens·group, headDim].`

export async function captureCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      layers: { type: 'string', default: '1,4,7' },
      tokens: { type: 'string', default: '12282' },
    },
  })
  if (values.out === undefined) throw new RangeError(`kv capture: --out DIR is required\n${CAPTURE_HELP}`)
  const model = await modelFrom(values.model)
  const layers = values.layers!.split(',').map(Number)
  for (const layer of layers) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= model.config.numLayers) {
      throw new RangeError(`kv capture: --layers: ${layer} is not a layer (0..${model.config.numLayers - 1})`)
    }
  }
  const stream = await heldOutTokens(requireTokenizer(model, 'kv capture'), model.config.bosTokenId)
  const tokens = Math.min(Number(values.tokens), stream.length)
  if (!(tokens >= 2)) throw new RangeError(`kv capture: --tokens must be at least 2, got ${values.tokens}`)
  const captured = await captureHeads(model, stream.subarray(0, tokens), { layers })
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
  process.stdout.write(
    `kv capture: ${heads.length} heads × ${captured.tokens} tokens written to ${values.out}\n`,
  )
}
