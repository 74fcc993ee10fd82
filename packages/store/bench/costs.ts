// Bytes per token stored and save/restore throughput on one core, on the embedded model with a ~500-token
// held-out prompt. `pnpm --filter @kv/store bench` (prints a markdown table; `--json` for JSON).
import type { CacheState } from '@kv/cache'
import { buildPipeline, heldOutTokens } from '@kv/eval'
import { requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import { chunksOfBytes, concatChunks, encodeState, modelIdentity, readState } from '../src/index.js'
import { STORED_PIPELINES } from './pipelines.js'

const PROMPT = Number(process.argv.find((a) => a.startsWith('--prompt='))?.slice(9) ?? 500)
const START = 40_000
const REPEATS = 15
/** Runs before the timed ones (the JIT compiles the format's code). */
const WARMUP = 3

const model = await loadModel()
const stream = await heldOutTokens(requireTokenizer(model, 'bench'), model.config.bosTokenId)
const prompt = stream.subarray(START, START + PROMPT)
const identity = modelIdentity(model.config)
const { numLayers, numKVHeads, headDim } = model.config
const float16PerToken = 2 * numLayers * numKVHeads * headDim * 2

/** Bytes of the distinct typed arrays under a value. */
function typedBytes(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0
  seen.add(value)
  if (ArrayBuffer.isView(value)) return value.byteLength
  let total = 0
  for (const child of Object.values(value)) total += typedBytes(child, seen)
  return total
}

/** Where a state's bytes are: the codec's blocks, the float32 window rows, slot statistics, plug-in state. */
function breakdown(state: CacheState) {
  const seen = new Set<object>()
  const heads = state.heads.flat()
  return {
    blocks: heads.reduce((n, h) => n + typedBytes(h.blocks, seen), 0),
    window: heads.reduce((n, h) => n + typedBytes(h.keys, seen) + typedBytes(h.values, seen), 0),
    stats: heads.reduce((n, h) => n + typedBytes(h.stats, seen), 0) + typedBytes(state.lastPosition, seen),
    plugins: typedBytes([state.codec, state.policy, state.exit, state.extensions], seen),
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

const rows = []
for (const [name, spec] of Object.entries(STORED_PIPELINES)) {
  const cache = model.createCache(buildPipeline(model, spec))
  await model.prefill(prompt, cache, { lastOnly: true })
  let bytes: Uint8Array = new Uint8Array(0)
  const saveMs: number[] = []
  const encodeMs: number[] = []
  const decodeMs: number[] = []
  const restoreMs: number[] = []
  for (let r = 0; r < WARMUP + REPEATS; r++) {
    const t0 = performance.now()
    const snapshot = cache.saveState()
    const t1 = performance.now()
    bytes = await concatChunks(encodeState(snapshot, { identity, pipeline: spec }))
    const t2 = performance.now()
    const { state } = await readState(chunksOfBytes(bytes), { expect: { identity, pipeline: spec } })
    const t3 = performance.now()
    const fresh = model.createCache(buildPipeline(model, spec))
    fresh.loadState(state as ReturnType<typeof cache.saveState>)
    const t4 = performance.now()
    if (r < WARMUP) continue
    saveMs.push(t2 - t0)
    encodeMs.push(t2 - t1)
    decodeMs.push(t3 - t2)
    restoreMs.push(t4 - t2)
  }
  const stats = cache.stats()
  const mb = bytes.length / 1e6
  rows.push({
    pipeline: name,
    spec,
    storedBytes: bytes.length,
    breakdown: breakdown(cache.saveState()),
    bytesPerToken: bytes.length / PROMPT,
    float16BytesPerToken: float16PerToken,
    ratioToFloat16: (float16PerToken * PROMPT) / bytes.length,
    physicalBytes: stats.physicalBytes,
    saveMs: median(saveMs),
    restoreMs: median(restoreMs),
    saveMBps: mb / (median(saveMs) / 1000),
    encodeMBps: mb / (median(encodeMs) / 1000),
    decodeMBps: mb / (median(decodeMs) / 1000),
    restoreMBps: mb / (median(restoreMs) / 1000),
  })
}

if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2))
else {
  console.log(
    `embedded model, ${PROMPT}-token prompt; float16 cache = ${float16PerToken} bytes/token; median of ${REPEATS} after ${WARMUP} warm-up runs; MB = 10^6 bytes of the stored file`,
  )
  console.log(
    '| pipeline | stored bytes | bytes/token | vs float16 | codec blocks | float32 window | slot stats | plug-ins | format | save MB/s | encode MB/s | decode MB/s | restore MB/s |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const b = r.breakdown
    console.log(
      `| ${r.pipeline} \`${r.spec}\` | ${r.storedBytes} | ${r.bytesPerToken.toFixed(0)} | ${r.ratioToFloat16 >= 1 ? `${r.ratioToFloat16.toFixed(2)}× smaller` : `${(1 / r.ratioToFloat16).toFixed(2)}× larger`} | ${b.blocks} | ${b.window} | ${b.stats} | ${b.plugins} | ${r.storedBytes - b.blocks - b.window - b.stats - b.plugins} | ${r.saveMBps.toFixed(0)} | ${r.encodeMBps.toFixed(0)} | ${r.decodeMBps.toFixed(0)} | ${r.restoreMBps.toFixed(0)} |`,
    )
  }
}
