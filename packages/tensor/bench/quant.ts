import { performance } from 'node:perf_hooks'
import type { QuantAxis } from '../src/index.js'
import { dequantizeAffine, quantizeAffine } from '../src/index.js'

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
  return rows
}
