import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { argsort, Rng, rmsNorm, silu, swiglu, topK } from '../src/index.js'

const size = fc.constantFrom(1, 3, 7, 17, 33, 65)
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })

describe('rmsNorm', () => {
  it('matches x / sqrt(mean(x²) + eps) · w in float64, at 1e±30 and on constant rows, in place too', () => {
    fc.assert(
      fc.property(
        size,
        size,
        seed,
        fc.constantFrom(1, 1e-30, 1e30),
        fc.boolean(),
        (rows, dim, s, scale, flat) => {
          const rng = new Rng(s)
          const x = rng.fillNormal(new Float32Array(rows * dim), 0, scale)
          if (flat) x.fill(-scale)
          const w = rng.fillNormal(new Float32Array(dim))
          const eps = scale === 1 ? 1e-5 : 0
          const out = new Float32Array(rows * dim)
          rmsNorm(x, w, out, rows, dim, eps)
          for (let r = 0; r < rows; r++) {
            let ms = 0
            for (let i = 0; i < dim; i++) ms += x[r * dim + i]! ** 2 / dim
            for (let i = 0; i < dim; i++) {
              const expected = (x[r * dim + i]! / Math.sqrt(ms + eps)) * w[i]!
              expect(Math.abs(out[r * dim + i]! - expected)).toBeLessThanOrEqual(
                3e-7 * Math.abs(expected) + 1e-30,
              )
            }
          }
          rmsNorm(x, w, x, rows, dim, eps)
          expect(x).toEqual(out)
        },
      ),
    )
  })

  it('names bad eps and mismatched weight', () => {
    const x = new Float32Array(6)
    expect(() => rmsNorm(x, new Float32Array(3), x, 2, 3, -1)).toThrow(
      'rmsNorm: eps must be a finite number ≥ 0, got -1',
    )
    expect(() => rmsNorm(x, new Float32Array(2), x, 2, 3, 1e-6)).toThrow(
      'rmsNorm: weight has 2 elements, expected dim = 3',
    )
  })
})

describe('silu and swiglu', () => {
  it('silu is v · sigmoid(v), finite at ±1e30 and 0 at -Infinity', () => {
    const x = new Float32Array([0, 1, -1, 1e30, -1e30, Number.NEGATIVE_INFINITY, 20])
    silu(x)
    const expected = [0, 1 / (1 + Math.exp(-1)), -1 / (1 + Math.exp(1)), 1e30, 0, 0, 20 / (1 + Math.exp(-20))]
    for (let i = 0; i < expected.length; i++) expect(x[i]).toBeCloseTo(Math.fround(expected[i]!), 6)
    expect(x[3]).toBe(Math.fround(1e30))
  })

  it('swiglu = silu(gate) · up, silu on a sub-range touches nothing else', () => {
    fc.assert(
      fc.property(size, seed, (n, s) => {
        const rng = new Rng(s)
        const gate = rng.fillNormal(new Float32Array(n), 0, 4)
        const up = rng.fillNormal(new Float32Array(n))
        const out = new Float32Array(n)
        swiglu(gate, up, out, n)
        const activated = Float32Array.from(gate)
        silu(activated)
        for (let i = 0; i < n; i++) {
          const expected = activated[i]! * up[i]!
          expect(Math.abs(out[i]! - expected)).toBeLessThanOrEqual(2.5e-7 * Math.abs(expected) + 1e-30)
        }
        const partial = Float32Array.from(gate)
        silu(partial, 1, n - 1)
        expect(partial[0]).toBe(gate[0])
      }),
    )
    expect(() => swiglu(new Float32Array(2), new Float32Array(3), new Float32Array(2), 2)).toThrow(
      'swiglu: up has 3 elements, expected n = 2',
    )
  })
})

/** Indices by descending value, ties by ascending index: the order topK promises. */
function sortedReference(values: ArrayLike<number>, count: number): number[] {
  return Array.from({ length: count }, (_, i) => i).sort((i, j) => values[j]! - values[i]! || i - j)
}

describe('topK and argsort', () => {
  it('topK equals the first k of a sort, with many ties, for every k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 80 }),
        fc.nat(),
        fc.nat(),
        (ints, kSeed, countSeed) => {
          const values = Float32Array.from(ints, (v) => v * 1e30)
          const count = 1 + (countSeed % values.length)
          const k = kSeed % (count + 1)
          expect(Array.from(topK(values, k, count))).toEqual(sortedReference(values, count).slice(0, k))
        },
      ),
    )
  })

  it('topK agrees with a sort on Gaussian data with -Infinity entries', () => {
    fc.assert(
      fc.property(size, seed, (n, s) => {
        const values = new Rng(s).fillNormal(new Float32Array(n))
        values[n >> 1] = Number.NEGATIVE_INFINITY
        for (let k = 0; k <= n; k += Math.max(1, n >> 2)) {
          expect(Array.from(topK(values, k))).toEqual(sortedReference(values, n).slice(0, k))
        }
      }),
    )
  })

  it('argsort sorts stably in both directions', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 70 }), (ints) => {
        const values = Float64Array.from(ints)
        const ascending = Array.from({ length: ints.length }, (_, i) => i).sort(
          (i, j) => values[i]! - values[j]! || i - j,
        )
        expect(Array.from(argsort(values))).toEqual(ascending)
        expect(Array.from(argsort(values, true))).toEqual(sortedReference(values, values.length))
      }),
    )
  })

  it('refuses k outside [0, count], count beyond the values and NaN', () => {
    const values = new Float32Array([1, 2, 3])
    expect(() => topK(values, 4)).toThrow('topK: k must be an integer in [0, 3], got 4')
    expect(() => topK(values, 1, 4)).toThrow('topK: count 4 exceeds the 3 values')
    expect(() => topK(new Float32Array([1, Number.NaN]), 1)).toThrow('topK: values[1] is NaN')
    expect(() => argsort([0, Number.NaN])).toThrow('argsort: values[1] is NaN')
  })
})
