import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { printRetrievalBench } from './print-table.js'
import type { RetrievalBenchInput } from './run-retrieval-bench.js'
import { runRetrievalBench } from './run-retrieval-bench.js'

/**
 * The benchmark on keys and queries of the embedded model, from a capture on disk (this package depends
 * on no runtime): `pnpm kv capture --out DIR` (@kv/eval) writes `DIR/capture.json` = `{ "headDim": 64,
 * "heads": [{ "layer": 4, "head": 0, "keys": "l4h0.keys.f32", "queries": "l4h0.queries.f32" }] }` and raw
 * little-endian float32 files, keys `[tokens, headDim]` and the KV head's query heads `[tokens·group,
 * headDim]` (token-major), both after RoPE; then `tsx bench/real.ts DIR`.
 * The queries of the first half of the tokens (`SAMPLE_SHARE`) build the index, as a prompt's would; every
 * 10th query row of the rest is measured. Env: CELLS, PER_QUERY, NO_HNSW.
 */
interface Head {
  readonly name: string
  readonly keys: Float32Array
  /** `[tokens·group, headDim]`, token-major. */
  readonly queries: Float32Array
}

function fromDisk(dir: string): { headDim: number; heads: Head[] } {
  const capture = JSON.parse(readFileSync(join(dir, 'capture.json'), 'utf8')) as {
    headDim: number
    heads: { layer: number; head: number; keys: string; queries: string }[]
  }
  const readF32 = (file: string) => {
    const bytes = readFileSync(join(dir, file))
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  }
  return {
    headDim: capture.headDim,
    heads: capture.heads.map((h) => ({
      name: `layer ${h.layer}, KV head ${h.head}`,
      keys: readF32(h.keys),
      queries: readF32(h.queries),
    })),
  }
}

const env = process.env
if (process.argv[2] === undefined) {
  throw new Error('bench/real.ts: give a capture folder (pnpm kv capture --out DIR, from @kv/eval)')
}
const source = fromDisk(process.argv[2])
const d = source.headDim
const sampleShare = Number(env.SAMPLE_SHARE ?? 0.5)
// Every SAMPLE_STRIDE-th query of the first part builds the index; every MEASURE_STRIDE-th of the rest is
// measured (over the whole held-out text, all of them would make the exact top-k of the build too slow).
const sampleStride = Number(env.SAMPLE_STRIDE ?? 1)
const measureStride = Number(env.MEASURE_STRIDE ?? 10)
const everyNth = (rows: Float32Array, from: number, to: number, stride: number) => {
  const out = new Float32Array(Math.ceil((to - from) / stride) * d)
  for (let r = from, i = 0; r < to; r += stride, i++) out.set(rows.subarray(r * d, r * d + d), i * d)
  return out
}
for (const head of source.heads) {
  const rows = head.queries.length / d
  const split = Math.floor(rows * sampleShare)
  const measured = everyNth(head.queries, split, rows, measureStride)
  const samples =
    sampleStride === 1 ? head.queries.subarray(0, split * d) : everyNth(head.queries, 0, split, sampleStride)
  const input: RetrievalBenchInput = {
    keys: head.keys,
    queries: measured,
    sampleQueries: samples,
    headDim: d,
    ...(env.CELLS === undefined ? {} : { cells: Number(env.CELLS) }),
    ...(env.PER_QUERY === undefined ? {} : { perQuery: Number(env.PER_QUERY) }),
    ...(env.NO_HNSW === undefined ? {} : { hnsw: false as const }),
    log: (line) => console.error(line),
  }
  console.log(
    `\n## ${head.name}: ${head.keys.length / d} keys, ${samples.length / d} sample queries, ${measured.length / d} measured`,
  )
  printRetrievalBench(runRetrievalBench(input))
}
