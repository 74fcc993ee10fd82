import { pathToFileURL } from 'node:url'
import { gemv, matmulTransB, prepareMatrix, Rng, wasmSimdAvailable } from '../src/index.js'

/** One line of a benchmark table; `ratio` compares `value` with a baseline timed in the same run. */
export type BenchRow = { name: string; value: number; unit: string; ratio?: number; note?: string }

const SAMPLES = 7
const SAMPLE_MS = 40

/**
 * Milliseconds of CPU time this process has used: unlike wall time it does not count the time the scheduler
 * gives other jobs on a shared machine, so samples taken beside other work agree to a few per cent.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** Median seconds per call of `fn`: a warm-up (which also lets V8 tier the wasm up), then SAMPLES samples. */
function medianSeconds(fn: () => void): number {
  fn()
  let calls = 0
  const warm = cpuMs()
  while (cpuMs() - warm < SAMPLE_MS) {
    fn()
    calls++
  }
  const perSample = Math.max(1, calls)
  const times: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const start = cpuMs()
    for (let i = 0; i < perSample; i++) fn()
    times.push((cpuMs() - start) / 1000 / perSample)
  }
  times.sort((x, y) => x - y)
  return times[SAMPLES >> 1]!
}

/** Median seconds of a `Float32Array.prototype.set` copy of `elements` floats: the memory-speed yardstick. */
function copySeconds(elements: number): number {
  const src = new Rng(3).fillUniform(new Float32Array(elements), -1, 1)
  const dst = new Float32Array(elements)
  return medianSeconds(() => dst.set(src))
}

function format(seconds: number): string {
  return seconds < 1e-3 ? `${(seconds * 1e6).toFixed(0)} µs` : `${(seconds * 1e3).toFixed(1)} ms`
}

/** Two rows: the JS kernel (ratio against copying its operands) and the prepared one (ratio against JS). */
function rowsFor(label: string, flops: number, copyFloats: number, js: () => void, prepared: () => void) {
  const jsSeconds = medianSeconds(js)
  const wasmSeconds = medianSeconds(prepared)
  const copy = copySeconds(copyFloats)
  const backend = wasmSimdAvailable() ? 'wasm-simd' : 'js fallback'
  const copyRatio = (copy / wasmSeconds).toPrecision(2)
  return [
    {
      name: `js ${label}`,
      value: flops / jsSeconds / 1e9,
      unit: 'GFLOP/s',
      ratio: copy / jsSeconds,
      note: `${format(jsSeconds)}; ratio = copy time of the operands ÷ op time`,
    },
    {
      name: `prepared ${label}`,
      value: flops / wasmSeconds / 1e9,
      unit: 'GFLOP/s',
      ratio: jsSeconds / wasmSeconds,
      note: `${backend}, ${format(wasmSeconds)}; ratio = JS time ÷ this; copy ÷ this = ${copyRatio}`,
    },
  ] satisfies BenchRow[]
}

function benchGemv(rng: Rng, rows: number, cols: number): BenchRow[] {
  const w = rng.fillNormal(new Float32Array(rows * cols))
  const x = rng.fillNormal(new Float32Array(cols))
  const out = new Float32Array(rows)
  const prepared = prepareMatrix(w, rows, cols)
  return rowsFor(
    `gemv ${rows}×${cols}`,
    2 * rows * cols,
    rows * cols + cols,
    () => gemv(w, x, out, rows, cols),
    () => prepared.gemv(x, out),
  )
}

function benchTransB(rng: Rng, tokens: number, cols: number, rows: number): BenchRow[] {
  const w = rng.fillNormal(new Float32Array(rows * cols))
  const x = rng.fillNormal(new Float32Array(tokens * cols))
  const out = new Float32Array(tokens * rows)
  const prepared = prepareMatrix(w, rows, cols)
  return rowsFor(
    `matmulTransB ${tokens}×${cols} · (${rows}×${cols})ᵀ`,
    2 * tokens * rows * cols,
    tokens * cols + rows * cols,
    () => matmulTransB(x, w, out, tokens, cols, rows),
    () => prepared.matmulTransB(x, tokens, out),
  )
}

/**
 * Every projection of one decode step of the 8-layer model (q, k, v, o, gate, up, down per layer, then the
 * lm head): 29 MiB of float32 weights, more than a shared L3 keeps, so this row shows the DRAM-bound
 * speed-up a real decode gets, next to the cache-resident single-matrix rows.
 */
function benchDecodeStep(rng: Rng): BenchRow[] {
  const shapes: [number, number][] = []
  for (let layer = 0; layer < 8; layer++) {
    shapes.push([256, 256], [128, 256], [128, 256], [256, 256], [768, 256], [768, 256], [256, 768])
  }
  shapes.push([4096, 256])
  const mats = shapes.map(([rows, cols]) => {
    const w = rng.fillNormal(new Float32Array(rows * cols))
    return { rows, cols, w, x: rng.fillNormal(new Float32Array(cols)), out: new Float32Array(rows) }
  })
  const prepared = mats.map((m) => prepareMatrix(m.w, m.rows, m.cols))
  const macs = shapes.reduce((sum, [rows, cols]) => sum + rows * cols, 0)
  return rowsFor(
    'gemv, all projections of a decode step (29 MiB)',
    2 * macs,
    macs,
    () => {
      for (const m of mats) gemv(m.w, m.x, m.out, m.rows, m.cols)
    },
    () => {
      for (let i = 0; i < mats.length; i++) prepared[i]!.gemv(mats[i]!.x, mats[i]!.out)
    },
  )
}

/**
 * V8 first runs wasm from its baseline compiler and swaps in optimized code compiled on a background
 * thread; on a busy machine that can land mid-measurement, so both kernels run for a while first.
 */
function warmUp(rng: Rng): void {
  const m = prepareMatrix(rng.fillNormal(new Float32Array(256 * 256)), 256, 256)
  const x = rng.fillNormal(new Float32Array(64 * 256))
  const out = new Float32Array(64 * 256)
  const start = cpuMs()
  while (cpuMs() - start < 300) {
    m.matmulTransB(x, 64, out)
    m.gemv(x.subarray(0, 256), out.subarray(0, 256))
  }
}

/**
 * GFLOP/s of the prepared (WebAssembly SIMD) `gemv` at the decoder's lm-head and MLP sizes, of its
 * `matmulTransB` at a 2048-token prefill and of every projection of one decode step, each against the JS
 * kernel timed in the same run (ratio), and the JS kernel against a `Float32Array.prototype.set` copy of
 * its operands. Times are medians of process
 * CPU time (one thread), so other jobs on the machine disturb them little.
 *
 * @example
 * console.table(await benchWasm())
 */
export async function benchWasm(): Promise<BenchRow[]> {
  const rng = new Rng(7)
  warmUp(rng)
  return [
    ...benchGemv(rng, 4096, 256),
    ...benchGemv(rng, 768, 256),
    ...benchTransB(rng, 2048, 256, 768),
    ...benchDecodeStep(rng),
  ]
}

// Run directly (`tsx bench/wasm.ts`), print the table; imported by bench/index.ts, stay quiet.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchWasm())
}
