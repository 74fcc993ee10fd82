import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  accumulateScoresGpu,
  accumulateScoresReference,
  lowRankReconstructGpu,
  lowRankReconstructReference,
  slerpGpu,
  slerpReference,
  topKGpu,
  topKReference,
} from '../src/index.js'
import { gpuRuns, lcgFloats, testContext } from './gpu-context.js'

const ctx = await testContext()

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

function unitRows(rows: number, dim: number, seed: number): Float32Array {
  const x = lcgFloats(rows * dim, seed)
  for (let r = 0; r < rows; r++) {
    let n = 0
    for (let i = 0; i < dim; i++) n += x[r * dim + i]! ** 2
    for (let i = 0; i < dim; i++) x[r * dim + i] = x[r * dim + i]! / Math.sqrt(n)
  }
  return x
}

describe.skipIf(!ctx)('small kernels against their CPU references', () => {
  // Read when a test runs: without an adapter the suite is skipped, but vitest still runs this body.
  const device = ctx?.device as GPUDevice

  test('score accumulation sums the query heads of each KV head, with decay', async () => {
    for (const [rows, slots, group, decay] of [
      [1, 1, 1, 1],
      [3, 17, 4, 1],
      [2, 65, 3, 0.5],
    ] as const) {
      const weights = lcgFloats(rows * group * slots, rows + slots)
      const acc = lcgFloats(rows * slots, 3)
      const shape = { rows, slots, group, decay }
      const gpu = await accumulateScoresGpu(device, weights, acc, shape)
      const cpu = acc.slice()
      accumulateScoresReference(weights, cpu, shape)
      expect(maxAbsDiff(gpu, cpu)).toBeLessThan(1e-6)
    }
  })

  test('low-rank reconstruction deq + A·Bᵀ', async () => {
    for (const [rows, cols, rank] of [
      [1, 1, 1],
      [7, 33, 4],
      [17, 64, 2],
      [3, 5, 0],
    ] as const) {
      const deq = lcgFloats(rows * cols, 1)
      const a = lcgFloats(rows * rank, 2)
      const b = lcgFloats(cols * rank, 3)
      const gpu = await lowRankReconstructGpu(device, deq, a, b, rows, cols, rank)
      expect(maxAbsDiff(gpu, lowRankReconstructReference(deq, a, b, rows, cols, rank))).toBeLessThan(1e-6)
    }
  })

  test('top-k matches @kv/tensor topK, ties to the lower index', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        async (rows, n, seed, coarse) => {
          const k = 1 + (seed % Math.min(n, 40))
          const values = lcgFloats(rows * n, seed, 1e3)
          // coarse values make many ties; also negative zero and huge magnitudes
          if (coarse) for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! / 250)
          values[0] = -0
          if (values.length > 2) values[2] = 1e30
          const gpu = await topKGpu(device, values, rows, n, k)
          expect(Array.from(gpu)).toEqual(Array.from(topKReference(values, rows, n, k)))
        },
      ),
      { numRuns: gpuRuns(15) },
    )
  })

  // float32 trigonometry (WGSL allows more error than libm); 2e-5 holds on llvmpipe and SwiftShader
  test('SLERP of unit directions: unit output, angle, t = 0 and 1, parallel rows', async () => {
    const rows = 9
    const dim = 65
    const a = unitRows(rows, dim, 4)
    const b = unitRows(rows, dim, 5)
    b.set(a.subarray(0, dim), 0) // a parallel row takes the linear path
    for (const t of [0, 0.6, 1]) {
      const gpu = await slerpGpu(device, a, b, rows, dim, t)
      const cpu = slerpReference(a, b, rows, dim, t)
      expect(maxAbsDiff(gpu.out, cpu.out)).toBeLessThan(2e-5)
      expect(maxAbsDiff(gpu.angles, cpu.angles)).toBeLessThan(2e-5)
      if (t === 0) expect(maxAbsDiff(gpu.out.subarray(dim), a.subarray(dim))).toBeLessThan(2e-5)
    }
  })

  test('bad shapes are refused', async () => {
    await expect(topKGpu(device, new Float32Array(4), 1, 4, 5)).rejects.toThrow(
      /k must be an integer in 1..4/,
    )
    await expect(slerpGpu(device, new Float32Array(4), new Float32Array(4), 1, 4, 1.5)).rejects.toThrow(
      /t must be in/,
    )
    await expect(
      lowRankReconstructGpu(device, new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2, 65),
    ).rejects.toThrow(/rank/)
  })
})
