import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PlanScratch } from '../src/index.js'
import { evictLowestInRange, selectLowest } from '../src/shared/select.js'

const sizes = fc.constantFrom(1, 2, 3, 7, 17, 33, 65, 130)
const magnitude = fc.constantFrom(1, 1e30, 1e-30)

describe('selectLowest', () => {
  it('puts exactly the k lowest (ties: older first) in front, on awkward sizes and magnitudes', () => {
    fc.assert(
      fc.property(
        sizes,
        magnitude,
        fc.integer({ min: 0, max: 200 }),
        fc.boolean(),
        (n, scale, seed, constant) => {
          const scores = Float32Array.from({ length: n }, (_, i) =>
            constant ? scale : ((seed + i * 7919) % 13) * scale,
          )
          for (let k = 0; k <= n; k++) {
            const idx = Int32Array.from({ length: n }, (_, i) => i)
            selectLowest(scores, idx, n, k)
            const expected = Array.from({ length: n }, (_, i) => i)
              .sort((a, b) => scores[a]! - scores[b]! || a - b)
              .slice(0, k)
              .sort((a, b) => a - b)
            const got = Array.from(idx.subarray(0, k)).sort((a, b) => a - b)
            if (k < n) expect(got).toEqual(expected)
          }
        },
      ),
    )
  })
})

describe('evictLowestInRange', () => {
  it('returns ascending evictions of size n - keep, never touching slots outside the range', () => {
    fc.assert(
      fc.property(sizes, fc.nat(140), fc.nat(140), (count, a, b) => {
        const from = Math.min(a % (count + 1), b % (count + 1))
        const to = Math.max(a % (count + 1), b % (count + 1))
        const keep = (a + b) % (to - from + 2)
        const scores = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 1.7))
        const out = evictLowestInRange(scores, from, to, keep, new PlanScratch())
        const expected = Math.max(0, to - from - keep)
        if (expected === 0) expect(out).toBeNull()
        else {
          expect(out!.length).toBe(expected)
          for (let i = 0; i < out!.length; i++) {
            expect(out![i]).toBeGreaterThanOrEqual(from)
            expect(out![i]).toBeLessThan(to)
            if (i > 0) expect(out![i]).toBeGreaterThan(out![i - 1]!)
          }
        }
      }),
    )
  })
})
