import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { printRetrievalBench } from './print-table.js'
import { runRetrievalBench } from './run-retrieval-bench.js'

/**
 * The benchmark on keys and queries captured from a model. @kv/runtime does not export a capture function
 * yet, so this reads a capture from disk: `tsx bench/real.ts <dir>` with `<dir>/capture.json` =
 * `{ "headDim": 64, "heads": [{ "layer": 3, "head": 0, "keys": "l3h0.keys.f32", "queries": "l3h0.queries.f32" }] }`
 * and raw little-endian float32 files: keys `[tokens, headDim]` and that KV head's queries
 * `[tokens·group, headDim]`, both after RoPE, in token order. The queries of the first `SAMPLE_SHARE` of the
 * tokens build the index (the prompt's); every 10th query of the rest is measured.
 */
interface Capture {
  readonly headDim: number
  readonly heads: { layer: number; head: number; keys: string; queries: string }[]
}

const dir = process.argv[2]
if (dir === undefined) {
  console.error('usage: tsx bench/real.ts <capture dir>  (see the comment at the top of bench/real.ts)')
  process.exit(1)
}
const capture = JSON.parse(readFileSync(join(dir, 'capture.json'), 'utf8')) as Capture
const sampleShare = Number(process.env.SAMPLE_SHARE ?? 0.5)
const readF32 = (file: string) => {
  const bytes = readFileSync(join(dir, file))
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}
for (const head of capture.heads) {
  const d = capture.headDim
  const keys = readF32(head.keys)
  const allQueries = readF32(head.queries)
  const queryRows = allQueries.length / d
  const split = Math.floor(queryRows * sampleShare)
  const sampleQueries = allQueries.subarray(0, split * d)
  const measured: number[] = []
  for (let r = split; r < queryRows; r += 10) measured.push(r)
  const queries = new Float32Array(measured.length * d)
  measured.forEach((r, i) => {
    queries.set(allQueries.subarray(r * d, r * d + d), i * d)
  })
  console.log(`\n## layer ${head.layer}, KV head ${head.head}`)
  printRetrievalBench(
    runRetrievalBench({ keys, queries, sampleQueries, headDim: d, log: (l) => console.error(l) }),
  )
}
