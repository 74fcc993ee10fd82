import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyRope, dot, Rng, ropeInvFreq } from '../src/index.js'

const headDim = fc.constantFrom(2, 4, 8, 34, 64, 128)
const position = fc.integer({ min: -4096, max: 4096 })
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const theta = fc.constantFrom(10_000, 500_000, 1_000_000)

function norm(x: Float32Array, offset: number, n: number): number {
  return Math.sqrt(dot(x, offset, x, offset, n))
}

describe('ropeInvFreq', () => {
  it('is 1 / theta^(2i / headDim)', () => {
    const inv = ropeInvFreq(8, 10_000)
    expect(Array.from(inv)).toEqual([1, 0.1, 0.01, 0.001].map(Math.fround))
    expect(() => ropeInvFreq(7, 10_000)).toThrow(
      'ropeInvFreq: headDim must be a positive even integer, got 7',
    )
    expect(() => ropeInvFreq(8, 0)).toThrow('ropeInvFreq: theta must be a finite number > 0, got 0')
  })
})

describe('applyRope', () => {
  it('rotates the pair (i, i + d/2) by position · invFreq[i] (Hugging Face rotate_half)', () => {
    fc.assert(
      fc.property(headDim, position, theta, seed, (d, pos, th, s) => {
        const inv = ropeInvFreq(d, th)
        const x = new Rng(s).fillNormal(new Float32Array(d + 3))
        const before = Float32Array.from(x)
        applyRope(x, 3, d, pos, inv)
        const half = d / 2
        for (let i = 0; i < half; i++) {
          const angle = pos * inv[i]!
          const x1 = before[3 + i]!
          const x2 = before[3 + i + half]!
          expect(x[3 + i]).toBeCloseTo(x1 * Math.cos(angle) - x2 * Math.sin(angle), 5)
          expect(x[3 + i + half]).toBeCloseTo(x2 * Math.cos(angle) + x1 * Math.sin(angle), 5)
        }
        expect(Array.from(x.subarray(0, 3))).toEqual(Array.from(before.subarray(0, 3)))
      }),
    )
  })

  it('sends e_0 to (cos p, sin p) on the pair (0, d/2)', () => {
    const x = new Float32Array(8)
    x[0] = 1
    applyRope(x, 0, 8, 5, ropeInvFreq(8, 10_000))
    expect(x[0]).toBeCloseTo(Math.cos(5), 6)
    expect(x[4]).toBeCloseTo(Math.sin(5), 6)
    expect(x[1]).toBe(0)
  })

  it('preserves norms', () => {
    fc.assert(
      fc.property(headDim, position, seed, fc.constantFrom(1, 1e-30, 1e30), (d, pos, s, scale) => {
        const x = new Rng(s).fillNormal(new Float32Array(d), 0, scale)
        const before = norm(x, 0, d)
        applyRope(x, 0, d, pos, ropeInvFreq(d, 10_000))
        expect(Math.abs(norm(x, 0, d) - before)).toBeLessThanOrEqual(1e-6 * before)
      }),
    )
  })

  it('makes q·k depend only on the position difference', () => {
    fc.assert(
      fc.property(
        headDim,
        position,
        position,
        fc.integer({ min: 0, max: 4096 }),
        seed,
        (d, pq, pk, shift, s) => {
          const inv = ropeInvFreq(d, 10_000)
          const rng = new Rng(s)
          const q = rng.fillNormal(new Float32Array(d))
          const k = rng.fillNormal(new Float32Array(d))
          const q2 = Float32Array.from(q)
          const k2 = Float32Array.from(k)
          applyRope(q, 0, d, pq, inv)
          applyRope(k, 0, d, pk, inv)
          applyRope(q2, 0, d, pq + shift, inv)
          applyRope(k2, 0, d, pk + shift, inv)
          const tol = 1e-5 * norm(q, 0, d) * norm(k, 0, d)
          expect(Math.abs(dot(q, 0, k, 0, d) - dot(q2, 0, k2, 0, d))).toBeLessThanOrEqual(tol)
        },
      ),
    )
  })

  it('names a bad head size, position or frequency table', () => {
    const x = new Float32Array(8)
    expect(() => applyRope(x, 0, 6, 1, ropeInvFreq(8, 1e4))).toThrow(
      'applyRope: invFreq has 4 elements, expected headDim/2 = 3',
    )
    expect(() => applyRope(x, 0, 5, 1, ropeInvFreq(8, 1e4))).toThrow('applyRope: headDim must be even, got 5')
    expect(() => applyRope(x, 4, 8, 1, ropeInvFreq(8, 1e4))).toThrow(
      'x range [4, 12) overruns its 8 elements',
    )
    expect(() => applyRope(x, 0, 8, Number.NaN, ropeInvFreq(8, 1e4))).toThrow(
      'applyRope: position must be finite, got NaN',
    )
  })
})
