import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Rng } from '../src/index.js'

const seed = fc.integer({ min: -(2 ** 40), max: 2 ** 40 })

describe('Rng', () => {
  it('repeats its stream for a seed and differs between nearby seeds', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const a = new Rng(s)
        const b = new Rng(s)
        const c = new Rng(s + 1)
        const first = Array.from({ length: 8 }, () => a.nextUint32())
        expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(first)
        expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(first)
      }),
    )
  })

  it('pins the stream of seed 0 (a change of generator is a breaking change)', () => {
    const rng = new Rng(0)
    const words = Array.from({ length: 3 }, () => rng.nextUint32())
    expect(words).toEqual(PINNED_SEED_0)
  })

  it('uniform lies in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Rng(11)
    const n = 200_000
    let sum = 0
    let sum2 = 0
    let outside = 0
    for (let i = 0; i < n; i++) {
      const u = rng.uniform()
      if (!(u >= 0 && u < 1)) outside++
      sum += u
      sum2 += u * u
    }
    expect(outside).toBe(0)
    // Five standard errors: 1/√(12n) for the mean, about 0.3/√n for the second moment.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 / Math.sqrt(12 * n))
    expect(Math.abs(sum2 / n - 1 / 3)).toBeLessThan((5 * 0.3) / Math.sqrt(n))
  })

  it('normal has mean 0, variance 1, kurtosis 3, and fillNormal applies mean and std', () => {
    const rng = new Rng(12)
    const x = rng.fillNormal(new Float64Array(200_000))
    const n = x.length
    let m1 = 0
    let m2 = 0
    let m4 = 0
    for (const v of x) {
      m1 += v / n
      m2 += (v * v) / n
      m4 += (v * v * v * v) / n
    }
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n))
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n))
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n))
    // Box–Muller pairs (the cached second value) must be independent: lag-1 correlation ≈ 0.
    let lag = 0
    for (let i = 0; i + 1 < n; i++) lag += (x[i]! * x[i + 1]!) / (n - 1)
    expect(Math.abs(lag)).toBeLessThan(5 / Math.sqrt(n))
    const shifted = new Rng(12).fillNormal(new Float64Array(4), 10, 2)
    const plain = new Rng(12).fillNormal(new Float64Array(4))
    for (let i = 0; i < 4; i++) expect(shifted[i]).toBeCloseTo(10 + 2 * plain[i]!, 12)
  })

  it('int(n) is uniform over [0, n) and fillUniform stays in [lo, hi), even after float32 rounding', () => {
    const rng = new Rng(13)
    const counts = new Array<number>(7).fill(0)
    const n = 70_000
    for (let i = 0; i < n; i++) counts[rng.int(7)]!++
    // Chi-square with 6 degrees of freedom: 22.5 has p ≈ 0.001.
    const chi2 = counts.reduce((s, c) => s + (c - n / 7) ** 2 / (n / 7), 0)
    expect(chi2).toBeLessThan(22.5)
    const narrow = rng.fillUniform(new Float32Array(10_000), 1, Math.fround(1 + 2 ** -23))
    expect(narrow.every((v) => v === 1)).toBe(true)
    const wide = rng.fillUniform(new Float32Array(10_000), -3, 5)
    expect(wide.every((v) => v >= -3 && v < 5)).toBe(true)
  })

  it('names bad seeds, bounds and parameters', () => {
    expect(() => new Rng(1.5)).toThrow('Rng: seed must be a safe integer, got 1.5')
    expect(() => new Rng(0).int(0)).toThrow('Rng.int: n must be an integer in [1, 2^32], got 0')
    expect(() => new Rng(0).fillNormal(new Float32Array(1), 0, -1)).toThrow(
      'Rng.fillNormal: std must be a finite number ≥ 0, got -1',
    )
    expect(() => new Rng(0).fillUniform(new Float32Array(1), 2, 1)).toThrow(
      'Rng.fillUniform: need finite lo ≤ hi, got lo = 2, hi = 1',
    )
  })
})

const PINNED_SEED_0 = [4205396811, 3543653536, 1222415357]
