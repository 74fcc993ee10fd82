import { performance } from 'node:perf_hooks'
import { gemv, matmulTransB, Rng } from '../src/index.js'

/** One line of a benchmark table; `ratio` compares `value` with a baseline timed in the same run. */
export type BenchRow = { name: string; value: number; unit: string; ratio?: number; note?: string }

const SAMPLES = 7
const SAMPLE_MS = 40

/** Median seconds per call of `fn`: a warm-up, then SAMPLES samples of at least SAMPLE_MS each. */
function medianSeconds(fn: () => void): number {
  fn()
  let calls = 0
  const warm = performance.now()
  while (performance.now() - warm < SAMPLE_MS) {
    fn()
    calls++
  }
  const perSample = Math.max(1, calls)
  const times: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const start = performance.now()
    for (let i = 0; i < perSample; i++) fn()
    times.push((performance.now() - start) / 1000 / perSample)
  }
  times.sort((x, y) => x - y)
  return times[SAMPLES >> 1]!
}

/** Median seconds of a `Float32Array.prototype.set` copy of `elements` floats: the baseline. */
function copySeconds(elements: number): number {
  const src = new Rng(3).fillUniform(new Float32Array(elements), -1, 1)
  const dst = new Float32Array(elements)
  return medianSeconds(() => dst.set(src))
}

function benchTransB(rng: Rng, m: number, k: number, n: number): BenchRow {
  const a = rng.fillNormal(new Float32Array(m * k))
  const b = rng.fillNormal(new Float32Array(n * k))
  const out = new Float32Array(m * n)
  const seconds = medianSeconds(() => matmulTransB(a, b, out, m, k, n))
  return {
    name: `matmulTransB ${m}×${k} · (${n}×${k})ᵀ`,
    value: (2 * m * k * n) / seconds / 1e9,
    unit: 'GFLOP/s',
    ratio: copySeconds(m * k + n * k) / seconds,
    note: `${(seconds * 1e3).toFixed(1)} ms; ratio = copy time of A and B ÷ op time`,
  }
}

function benchGemv(rng: Rng, rows: number, cols: number): BenchRow {
  const w = rng.fillNormal(new Float32Array(rows * cols))
  const x = rng.fillNormal(new Float32Array(cols))
  const out = new Float32Array(rows)
  const seconds = medianSeconds(() => gemv(w, x, out, rows, cols))
  return {
    name: `gemv ${rows}×${cols}`,
    value: (2 * rows * cols) / seconds / 1e9,
    unit: 'GFLOP/s',
    ratio: copySeconds(rows * cols + cols) / seconds,
    note: `${(seconds * 1e6).toFixed(0)} µs; ratio = copy time of W and x ÷ op time`,
  }
}

/**
 * GFLOP/s of `matmulTransB` at prefill-like sizes (2048 tokens against 256×256 and 768×256 weights) and of
 * `gemv` (one decode token), on one core, each with a ratio against a plain copy of the same input bytes
 * timed in the same run (> 1: faster than copying the operands; matmul reuses each byte many times).
 *
 * @example
 * console.table(await benchMatmul())
 */
export async function benchMatmul(): Promise<BenchRow[]> {
  const rng = new Rng(1)
  return [
    benchTransB(rng, 2048, 256, 256),
    benchTransB(rng, 2048, 256, 768),
    benchTransB(rng, 256, 2048, 2048),
    benchGemv(rng, 768, 256),
    benchGemv(rng, 2048, 2048),
  ]
}
