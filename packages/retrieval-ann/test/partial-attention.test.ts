import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mergePartials, partialAttention } from '../src/index.js'
import { AWKWARD, matrix } from './arbitraries.js'

/** Softmax attention over all rows in float64: the reference. */
function fullAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  n: number,
  d: number,
  scale: number,
) {
  const logits = new Float64Array(n)
  let max = Number.NEGATIVE_INFINITY
  for (let r = 0; r < n; r++) {
    let s = 0
    for (let j = 0; j < d; j++) s += q[j]! * k[r * d + j]!
    logits[r] = s * scale
    max = Math.max(max, logits[r]!)
  }
  const out = new Float64Array(d)
  let sum = 0
  for (let r = 0; r < n; r++) {
    const w = Math.exp(logits[r]! - max)
    sum += w
    for (let j = 0; j < d; j++) out[j]! += w * v[r * d + j]!
  }
  return { out: out.map((x) => x / sum), lse: max + Math.log(sum) }
}

const caseArb = fc
  .record({
    n: fc.constantFrom(...AWKWARD),
    d: fc.constantFrom(1, 3, 7, 17, 64),
    keyScale: fc.constantFrom(1e-30, 1, 30, 1e15),
    valueScale: fc.constantFrom(1e-30, 1, 1e30),
  })
  .chain(({ n, d, keyScale, valueScale }) =>
    fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      q: matrix(1, d, 1),
      k: matrix(n, d, keyScale),
      v: matrix(n, d, valueScale),
      split: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      valueScale: fc.constant(valueScale),
    }),
  )

describe('partialAttention + mergePartials', () => {
  it('merging two disjoint parts equals attention over all keys', () => {
    fc.assert(
      fc.property(caseArb, ({ n, d, q, k, v, split, valueScale }) => {
        const scale = 1 / Math.sqrt(d)
        const a: number[] = []
        const b: number[] = []
        for (let r = 0; r < n; r++) (split[r] ? a : b).push(r)
        const pa = partialAttention(q, k, v, Int32Array.from(a), a.length, d, scale)
        const pb = partialAttention(q, k, v, Int32Array.from(b), b.length, d, scale)
        const merged = mergePartials(pa, pb)
        const ref = fullAttention(q, k, v, n, d, scale)
        const tolerance = 1e-5 * valueScale
        for (let j = 0; j < d; j++)
          expect(Math.abs(merged.output[j]! - ref.out[j]!)).toBeLessThanOrEqual(tolerance)
        const lse = merged.max + Math.log(merged.sum)
        // Each logit carries float64 rounding of its d products, relative to Σ|q·k| (which can dwarf the
        // logit itself when terms cancel), besides the relative error of the log-sum-exp.
        let magnitude = 0
        for (let r = 0; r < n; r++) {
          let sum = 0
          for (let c = 0; c < d; c++) sum += Math.abs(q[c]! * k[r * d + c]!)
          magnitude = Math.max(magnitude, sum * scale)
        }
        const logitError = 4 * d * 2 ** -52 * magnitude
        expect(Math.abs(lse - ref.lse)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(ref.lse)) + logitError,
        )
      }),
    )
  })

  it('merging with an empty part changes nothing', () => {
    const q = new Float32Array([1, 2])
    const k = new Float32Array([1, 0, 0, 1])
    const v = new Float32Array([3, 4, 5, 6])
    const all = partialAttention(q, k, v, new Int32Array([0, 1]), 2, 2, 1)
    const empty = partialAttention(q, k, v, new Int32Array(0), 0, 2, 1)
    expect(empty.sum).toBe(0)
    expect(mergePartials(empty, all)).toEqual(all)
    expect(mergePartials(all, empty)).toEqual(all)
  })

  it('rejects bad input, naming the value', () => {
    const q = new Float32Array([1, 2])
    const k = new Float32Array([1, 0, 0, 1])
    expect(() =>
      partialAttention(new Float32Array([1, Number.NaN]), k, k, new Int32Array([0]), 1, 2, 1),
    ).toThrow(/query\[1\] must be finite, got NaN/)
    expect(() => partialAttention(new Float32Array([1]), k, k, new Int32Array([0]), 1, 2, 1)).toThrow(
      /query length must equal headDim 2, got 1/,
    )
    expect(() => partialAttention(q, k, k, new Int32Array([2]), 1, 2, 1)).toThrow(
      /rows\[0\] must be in \[0, 2\), got 2/,
    )
    expect(() => partialAttention(q, k, k, new Int32Array([0]), 1, 2, Number.NaN)).toThrow(
      /scale must be finite/,
    )
    const p = partialAttention(q, k, k, new Int32Array([0]), 1, 2, 1)
    expect(() => mergePartials(p, { output: new Float32Array(3), max: 0, sum: 1 })).toThrow(/got 2 and 3/)
    expect(() => mergePartials(p, { output: new Float32Array(2), max: Number.NaN, sum: 1 })).toThrow(/b.max/)
  })
})
