import { dequantizeAffine, type QuantAxis, quantizeAffine } from '@kv/tensor'
import { describe, expect, test } from 'vitest'
import { dequantizeAffineGpu, quantizeAffineGpu } from '../src/index.js'
import { lcgFloats, testContext } from './gpu-context.js'

const ctx = await testContext()

function expectSameBits(a: Float32Array, b: Float32Array, what: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length)
  let bad = -1
  for (let i = 0; i < ua.length && bad < 0; i++) if (ua[i] !== ub[i]) bad = i
  expect(bad, `${what}: first mismatch at ${bad}: gpu ${a[bad]} vs cpu ${b[bad]}`).toBe(-1)
}

const SHAPES: Array<[number, number]> = [
  [1, 1],
  [3, 7],
  [17, 33],
  [65, 64],
  [33, 128],
]
const CASES: Array<[number, number, QuantAxis]> = [
  [2, 32, 'column'],
  [4, 32, 'row'],
  [3, 7, 'row'],
  [8, 16, 'column'],
  [4, 64, 'column'],
  [2, 5, 'row'],
  [1, 8, 'row'],
]

describe.skipIf(!ctx)('quantize and dequantize on the GPU, bit-exact with @kv/tensor', () => {
  // Read when a test runs: without an adapter the suite is skipped, but vitest still runs this body.
  const device = ctx?.device as GPUDevice
  for (const [bits, groupSize, axis] of CASES) {
    test(`bits ${bits}, group ${groupSize}, ${axis}`, async () => {
      for (const [rows, cols] of SHAPES) {
        for (const [seed, scale] of [
          [rows * 131 + cols, 1],
          [7, 1e30],
          [9, 1e-30],
        ] as const) {
          const data = lcgFloats(rows * cols, seed, scale)
          if (rows > 2) data.fill(0.25, 0, cols) // a constant row (and constant column groups start)
          const options = { bits, groupSize, axis }
          const cpu = quantizeAffine(data, rows, cols, options)
          const gpu = await quantizeAffineGpu(device, data, rows, cols, options)
          const at = `[${rows}, ${cols}] scale ${scale}`
          expectSameBits(gpu.scales, cpu.scales, `scales ${at}`)
          expectSameBits(gpu.mins, cpu.mins, `mins ${at}`)
          expect(Array.from(gpu.codes), `codes ${at}`).toEqual(Array.from(cpu.codes))
          const back = await dequantizeAffineGpu(device, cpu)
          expectSameBits(back, dequantizeAffine(cpu), `dequantized ${at}`)
        }
      }
    })
  }

  test('values on rounding boundaries (x − min = (k + ½)·scale) round as the CPU does', async () => {
    const cols = 64
    const data = new Float32Array(cols)
    for (let i = 0; i < cols; i++) data[i] = (i % 16) * 0.5 + (i === 3 ? 7.5 : 0)
    data[0] = 0
    data[1] = 7.5
    const options = { bits: 4, groupSize: 64, axis: 'row' as const }
    const cpu = quantizeAffine(data, 1, cols, options)
    const gpu = await quantizeAffineGpu(device, data, 1, cols, options)
    expect(Array.from(gpu.codes)).toEqual(Array.from(cpu.codes))
  })

  test('non-finite input is refused before it reaches the GPU', async () => {
    const data = new Float32Array([1, Number.NaN, 3, 4])
    await expect(
      quantizeAffineGpu(device, data, 1, 4, { bits: 4, groupSize: 4, axis: 'row' }),
    ).rejects.toThrow(/data\[1\] is NaN/)
  })
})
