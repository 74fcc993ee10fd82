import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { codesPerWord, packedDType, packedWords, sizeOf, storageFor, Tensor } from '../src/index.js'

const extent = fc.integer({ min: 1, max: 5 })
const shape = fc.array(extent, { minLength: 1, maxLength: 4 })

/** A contiguous f32 tensor whose element at every index holds its own row-major position. */
function numbered(dims: number[]): Tensor<'f32'> {
  const data = Float32Array.from({ length: sizeOf(dims) }, (_, i) => i)
  return Tensor.fromF32(data, dims)
}

function indices(dims: readonly number[]): number[][] {
  const out: number[][] = [[]]
  for (const d of dims) {
    const next: number[][] = []
    for (const prefix of out) for (let i = 0; i < d; i++) next.push([...prefix, i])
    out.splice(0, out.length, ...next)
  }
  return out
}

describe('Tensor views', () => {
  it('transpose swaps indices and contiguous() copies in the new row-major order', () => {
    fc.assert(
      fc.property(shape, fc.nat(), fc.nat(), (dims, aSeed, bSeed) => {
        const t = numbered(dims)
        const a = aSeed % dims.length
        const b = bSeed % dims.length
        const view = t.transpose(a, b)
        const copy = view.contiguous()
        let flat = 0
        for (const index of indices(view.shape)) {
          const source = [...index]
          ;[source[a], source[b]] = [source[b]!, source[a]!]
          expect(view.get(index)).toBe(t.get(source))
          expect(copy.data[flat++]).toBe(t.get(source))
        }
        expect(copy.isContiguous).toBe(true)
      }),
    )
  })

  it('slice shares storage, offsets indices, and reshape keeps the element order', () => {
    fc.assert(
      fc.property(shape, fc.nat(), fc.nat(), fc.nat(), (dims, axisSeed, s0, s1) => {
        const t = numbered(dims)
        const axis = axisSeed % dims.length
        const start = s0 % (dims[axis]! + 1)
        const end = start + (s1 % (dims[axis]! - start + 1))
        const view = t.slice(axis, start, end)
        expect(view.data).toBe(t.data)
        for (const index of indices(view.shape)) {
          const source = [...index]
          source[axis]! += start
          expect(view.get(index)).toBe(t.get(source))
        }
        const flat = t.reshape([t.size])
        expect(Array.from(flat.data)).toEqual(Array.from(t.data))
      }),
    )
  })

  it('sizes packed storage as floor(32 / bits) codes per word', () => {
    for (let bits = 1; bits <= 8; bits++) {
      for (const count of [0, 1, 9, 10, 11, 31, 32, 33, 100]) {
        const words = packedWords(count, bits)
        expect(words).toBe(Math.ceil(count / Math.floor(32 / bits)))
        expect(codesPerWord(bits) * words).toBeGreaterThanOrEqual(count)
        expect(Tensor.zeros(packedDType(bits), [count]).data.length).toBeGreaterThanOrEqual(words)
      }
    }
    expect(storageFor('f16', 3)).toBeInstanceOf(Uint16Array)
  })

  it('refuses bad shapes, overrunning views and out-of-range indices by name', () => {
    expect(() => Tensor.fromF32(new Float32Array(5), [2, 3])).toThrow(
      'Tensor.fromF32: shape [2,3] has 6 elements, data has 5',
    )
    expect(() => Tensor.zeros('f32', [2, -1])).toThrow(
      'Tensor.zeros: shape[1] must be a non-negative integer, got -1',
    )
    expect(() => numbered([2, 3]).slice(1, 2, 4)).toThrow('range [2, 4) is outside axis 1 of extent 3')
    expect(() => numbered([2, 3]).transpose().reshape([6])).toThrow('view is not contiguous')
    expect(() => Tensor.zeros('u4', [8]).get([0])).toThrow('Tensor.get: not defined on packed dtype u4')
  })
})
