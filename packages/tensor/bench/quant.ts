import { performance } from 'node:perf_hooks'
import type { QuantAxis } from '../src/index.js'
import { dequantizeAccumulate, dequantizeAffine, dequantizeDot, quantizeAffine } from '../src/index.js'

/** One line of a benchmark table; `ratio` compares `value` with a baseline timed in the same run. */
export type BenchRow = { name: string; value: number; unit: string; ratio?: number; note?: string }

const ROWS = 16_384
const COLS = 128
const GROUP = 32

/** Best seconds per call of `fn` over a few timed rounds of about 100 ms each. */
function bestSeconds(fn: () => void): number {
  fn()
  let calls = 1
  for (let start = performance.now(); performance.now() - start < 50; calls++) fn()
  const perRound = Math.max(1, Math.round(calls * 2))
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 5; round++) {
    const start = performance.now()
    for (let i = 0; i < perRound; i++) fn()
    best = Math.min(best, (performance.now() - start) / 1000 / perRound)
  }
  return best
}

/** Deterministic values in (-2, 2) (a 32-bit xorshift), so the benchmark does not depend on other modules. */
function fillPseudoRandom(data: Float32Array, seed: number): void {
  let state = seed | 0 || 1
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    data[i] = (state / 0x80000000) * 2
  }
}

/**
 * Throughput of 4-bit and 2-bit affine quantize+pack and unpack+dequantize, in GB/s of float32 input
 * (output), on one core, each as a ratio against a `Float32Array.prototype.set` copy of the same bytes.
 *
 * @example
 * for (const row of await benchQuant()) console.log(row.name, row.value.toFixed(2), row.unit)
 */
export async function benchQuant(): Promise<BenchRow[]> {
  const data = new Float32Array(ROWS * COLS)
  fillPseudoRandom(data, 7)
  const copy = new Float32Array(data.length)
  const gigabytes = data.byteLength / 1e9
  const copyRate = gigabytes / bestSeconds(() => copy.set(data))
  const rows: BenchRow[] = [
    { name: 'copy f32 (Float32Array.set)', value: copyRate, unit: 'GB/s', ratio: 1, note: `${ROWS}×${COLS}` },
  ]
  for (const bits of [4, 2]) {
    for (const axis of ['row', 'column'] as QuantAxis[]) {
      const options = { bits, groupSize: GROUP, axis }
      const q = quantizeAffine(data, ROWS, COLS, options)
      const quantRate = gigabytes / bestSeconds(() => quantizeAffine(data, ROWS, COLS, options))
      const dequantRate = gigabytes / bestSeconds(() => dequantizeAffine(q, copy))
      const note = `group ${GROUP} along ${axis}`
      rows.push({
        name: `quantize+pack ${bits}-bit ${axis}`,
        value: quantRate,
        unit: 'GB/s',
        ratio: quantRate / copyRate,
        note,
      })
      rows.push({
        name: `unpack+dequantize ${bits}-bit ${axis}`,
        value: dequantRate,
        unit: 'GB/s',
        ratio: dequantRate / copyRate,
        note,
      })
    }
  }
  rows.push(...fusedRows(data, gigabytes))
  return rows
}

/** q · k_t for every row of a float32 block: what attention does over an uncompressed cache. */
function plainDot(keys: Float32Array, query: Float32Array, out: Float32Array): void {
  for (let t = 0, i = 0; t < ROWS; t++) {
    let sum = 0
    for (let c = 0; c < COLS; c++, i++) sum += query[c]! * keys[i]!
    out[t] = sum
  }
}

/** out += Σ_t w_t · v_t over a float32 block. */
function plainAccumulate(values: Float32Array, weights: Float32Array, out: Float32Array): void {
  for (let t = 0, i = 0; t < ROWS; t++) {
    const w = weights[t]!
    for (let c = 0; c < COLS; c++, i++) out[c]! += w * values[i]!
  }
}

/**
 * Fused dequantize-dot over per-channel 4-bit keys and dequantize-accumulate over per-token 4-bit values,
 * in GB/s of the float32 block they stand for, against the same loops over float32 (ratio > 1: attention
 * over the quantized cache is faster than over the full one).
 */
function fusedRows(data: Float32Array, gigabytes: number): BenchRow[] {
  const query = data.subarray(0, COLS)
  const scores = new Float32Array(ROWS)
  const context = new Float32Array(COLS)
  const keys = quantizeAffine(data, ROWS, COLS, { bits: 4, groupSize: GROUP, axis: 'column' })
  const values = quantizeAffine(data, ROWS, COLS, { bits: 4, groupSize: GROUP, axis: 'row' })
  const plainDotRate = gigabytes / bestSeconds(() => plainDot(data, query, scores))
  const dotRate = gigabytes / bestSeconds(() => dequantizeDot(keys, query, scores, 0))
  const plainAccRate = gigabytes / bestSeconds(() => plainAccumulate(data, scores, context))
  const accRate = gigabytes / bestSeconds(() => dequantizeAccumulate(values, scores, 0, context))
  return [
    {
      name: 'dot f32 (plain loop)',
      value: plainDotRate,
      unit: 'GB/s',
      ratio: 1,
      note: 'baseline for the fused dot',
    },
    {
      name: 'fused dequantize-dot 4-bit column',
      value: dotRate,
      unit: 'GB/s',
      ratio: dotRate / plainDotRate,
      note: 'GB/s of f32 keys; ratio vs f32 dot',
    },
    {
      name: 'accumulate f32 (plain loop)',
      value: plainAccRate,
      unit: 'GB/s',
      ratio: 1,
      note: 'baseline for the fused accumulate',
    },
    {
      name: 'fused dequantize-accumulate 4-bit row',
      value: accRate,
      unit: 'GB/s',
      ratio: accRate / plainAccRate,
      note: 'GB/s of f32 values; ratio vs f32 loop',
    },
  ]
}
