/**
 * Throughput of mergeRows and restoreRow against a plain copy of the same rows, in the same run.
 * Run: npx tsx packages/merge-minicache/bench/merge.ts
 */
import { Rng } from '@kv/tensor'
import { mergeRows, restoreRow } from '../src/index.js'

const tokens = 4096
const headDim = 64
const rng = new Rng(7)
const a = new Float32Array(tokens * headDim)
const b = new Float32Array(tokens * headDim)
rng.fillNormal(a)
for (let i = 0; i < b.length; i++) b[i] = a[i]! + 0.3 * rng.normal()

function time(label: string, repeats: number, run: () => void): number {
  run()
  const start = performance.now()
  for (let r = 0; r < repeats; r++) run()
  const ms = (performance.now() - start) / repeats
  console.log(`${label.padEnd(28)} ${ms.toFixed(3)} ms  (${((tokens / ms) * 1e3).toExponential(2)} rows/s)`)
  return ms
}

const copy = new Float32Array(tokens * headDim)
const base = time('copy both layers', 50, () => {
  copy.set(a)
  copy.set(b)
})
const merged = mergeRows(a, b, tokens, headDim)
const merge = time('mergeRows t=0.6 retain=5%', 20, () => mergeRows(a, b, tokens, headDim))
const out = new Float32Array(headDim)
const restore = time('restoreRow × tokens × 2', 20, () => {
  for (let row = 0; row < tokens; row++) {
    restoreRow(merged, 'a', row, out)
    restoreRow(merged, 'b', row, out)
  }
})
console.log(`ratios to copy: merge ${(merge / base).toFixed(1)}×, restore ${(restore / base).toFixed(1)}×`)
