import type { ExitSchedule } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type SkipDecodeOptions, skipDecode, skipDecodeLayerCounts } from '../src/index.js'
import { simulateCache } from './cache-simulator.js'

/** Evenly spread over [0, 1]; `fc.double` favours the ends of the range. */
const fraction = fc.integer({ min: 0, max: 1 << 20 }).map((i) => i / (1 << 20))

/**
 * Feasible options: a depth, optional min/max layer counts, a length, and a speed-up whose target mean lies
 * between the steepest schedule's mean and the flat one's.
 */
const feasible: fc.Arbitrary<
  SkipDecodeOptions & { minLayers: number; maxLayers: number; explicit: boolean }
> = fc
  .integer({ min: 1, max: 48 })
  .chain((numLayers) =>
    fc.record({
      numLayers: fc.constant(numLayers),
      maxLayers: fc.integer({ min: 1, max: numLayers }),
      minFraction: fraction,
      maxLength: fc.integer({ min: 1, max: 400 }),
      targetFraction: fraction,
      explicit: fc.boolean(),
    }),
  )
  .map(({ numLayers, maxLayers, minFraction, maxLength, targetFraction, explicit }) => {
    const max = explicit ? maxLayers : numLayers
    const min = explicit ? 1 + Math.floor(minFraction * (max - 1)) : 1
    const steepest = min + (max - min) / maxLength
    const target = steepest + targetFraction * (max - steepest)
    const base = {
      speedup: numLayers / target,
      maxLength,
      numLayers,
      minLayers: min,
      maxLayers: max,
      explicit,
    }
    return base
  })

function build(o: SkipDecodeOptions & { explicit: boolean }): SkipDecodeOptions {
  const { explicit, ...options } = o
  if (explicit) return options
  return { speedup: o.speedup, maxLength: o.maxLength, numLayers: o.numLayers }
}

describe('skipDecodeLayerCounts', () => {
  it('decays linearly from the top to the floor', () => {
    const plan = skipDecodeLayerCounts({ speedup: 2, maxLength: 8, numLayers: 8 })
    expect(Array.from(plan.counts)).toEqual([8, 7, 6, 4, 3, 2, 1, 1])
    expect(plan.averageLayers).toBe(4)
  })

  it('is non-increasing, within [minLayers, maxLayers], and starts at maxLayers', () => {
    fc.assert(
      fc.property(feasible, (o) => {
        const { counts } = skipDecodeLayerCounts(build(o))
        expect(counts.length).toBe(o.maxLength)
        expect(counts[0]).toBe(o.maxLayers)
        for (let p = 0; p < counts.length; p++) {
          expect(counts[p]).toBeGreaterThanOrEqual(o.minLayers)
          expect(counts[p]).toBeLessThanOrEqual(o.maxLayers)
          if (p > 0) expect(counts[p]).toBeLessThanOrEqual(counts[p - 1]!)
        }
      }),
    )
  })

  it('hits numLayers / speedup on average within half a layer', () => {
    fc.assert(
      fc.property(feasible, (o) => {
        const plan = skipDecodeLayerCounts(build(o))
        let sum = 0
        for (const n of plan.counts) sum += n
        expect(plan.averageLayers).toBeCloseTo(sum / o.maxLength, 12)
        expect(Math.abs(plan.averageLayers - o.numLayers / o.speedup)).toBeLessThanOrEqual(0.5 + 1e-9)
      }),
    )
  })

  it('accepts a target within half a layer of the reachable means and refuses one beyond', () => {
    const nearest = skipDecodeLayerCounts({ speedup: 10, maxLength: 2048, numLayers: 8 })
    expect(nearest.averageLayers).toBeCloseTo(1 + 7 / 2048, 12)
    expect(() => skipDecodeLayerCounts({ speedup: 16, maxLength: 2048, numLayers: 8 })).toThrow(
      /speedup 16 needs a mean of 0.500 of 8 layers over 2048 positions, but even the steepest decay to minLayers 1 gives 1.003/,
    )
    expect(() => skipDecodeLayerCounts({ speedup: 2, maxLength: 1, numLayers: 8 })).toThrow(
      /speedup 2 needs a mean of 4.000 of 8 layers over 1 positions.* gives 8.000/,
    )
  })

  it('rejects any speed-up below 1, any min above max and any maxLength ≤ 0, naming the value', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 2, max: 48 }),
        fc.integer({ min: -1000, max: 0 }),
        (speedup, numLayers, maxLength) => {
          const ok = { speedup: 2, maxLength: 64, numLayers }
          expect(() => skipDecodeLayerCounts({ ...ok, speedup })).toThrow(`got ${speedup}`)
          expect(() => skipDecodeLayerCounts({ ...ok, maxLength })).toThrow(
            `maxLength must be an integer ≥ 1, got ${maxLength}`,
          )
          expect(() =>
            skipDecodeLayerCounts({ ...ok, minLayers: numLayers, maxLayers: numLayers - 1 }),
          ).toThrow(`minLayers ${numLayers} must not exceed maxLayers ${numLayers - 1}`)
        },
      ),
    )
  })

  it('rejects bad options, naming the value', () => {
    const ok = { speedup: 2, maxLength: 64, numLayers: 8 }
    expect(() => skipDecodeLayerCounts({ ...ok, speedup: 0.5 })).toThrow(
      /speedup must be .* in \[1, 1024\], got 0.5/,
    )
    expect(() => skipDecodeLayerCounts({ ...ok, speedup: 1e9 })).toThrow(
      'speedup must be a finite number in [1, 1024]',
    )
    expect(() => skipDecodeLayerCounts({ ...ok, maxLength: 2 ** 30 })).toThrow('maxLength must be ≤ 16777216')
    expect(() => skipDecodeLayerCounts({ ...ok, minLayer: 2 } as never)).toThrow(
      'skipDecode: unknown option "minLayer" (did you mean "minLayers"?)',
    )
    expect(() => skipDecodeLayerCounts({ ...ok, speedup: Number.NaN })).toThrow(/got NaN/)
    expect(() => skipDecodeLayerCounts({ ...ok, maxLength: 0 })).toThrow(
      /maxLength must be an integer ≥ 1, got 0/,
    )
    expect(() => skipDecodeLayerCounts({ ...ok, maxLength: -3 })).toThrow(/got -3/)
    expect(() => skipDecodeLayerCounts({ ...ok, minLayers: 5, maxLayers: 3 })).toThrow(
      /minLayers 5 must not exceed maxLayers 3/,
    )
    expect(() => skipDecodeLayerCounts({ ...ok, maxLayers: 9 })).toThrow(/maxLayers 9 exceeds numLayers 8/)
    expect(() => skipDecodeLayerCounts({ ...ok, numLayers: 0 })).toThrow(
      /numLayers must be an integer ≥ 1, got 0/,
    )
    expect(() => skipDecodeLayerCounts({ ...ok, speedup: 4, minLayers: 4 })).toThrow(
      /speedup 4 needs a mean of 2.000 of 8 layers .* steepest decay to minLayers 4/,
    )
    expect(() => skipDecodeLayerCounts({ ...ok, speedup: 1.2, maxLayers: 4 })).toThrow(
      /speedup 1.2 needs a mean of 6.667 .* maxLayers 4 gives 4.000/,
    )
  })
})

describe('skipDecode', () => {
  it('runs the top n(p) layers and skips the lowest', () => {
    const schedule: ExitSchedule = skipDecode({ speedup: 2, maxLength: 8, numLayers: 8 })
    const mask = new Uint8Array(8)
    schedule.layers(3, 8, mask)
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
    schedule.layers(0, 8, mask)
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1])
    schedule.layers(1000, 8, mask)
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 0, 0, 0, 1])
  })

  it('uses minLayers from maxLength on', () => {
    fc.assert(
      fc.property(feasible, fc.integer({ min: 0, max: 1000 }), (o, extra) => {
        const schedule = skipDecode(build(o))
        expect(schedule.layerCount(o.maxLength + extra)).toBe(o.minLayers)
      }),
    )
  })

  it('never reads a cache entry that was not written', () => {
    fc.assert(
      fc.property(feasible, (o) => {
        const schedule = skipDecode(build(o))
        const positions = o.maxLength + 3
        const { missing, written } = simulateCache(schedule, o.numLayers, positions)
        expect(missing).toEqual([])
        // Layer l holds exactly the positions that ran it, a prefix of the sequence.
        for (let l = 0; l < o.numLayers; l++) {
          let expected = 0
          for (let p = 0; p < positions; p++) if (schedule.layerCount(p) > o.numLayers - 1 - l) expected++
          expect(written[l]).toBe(expected)
        }
      }),
    )
  })

  it('has a simulator that catches a schedule whose layer counts rise', () => {
    const rising: ExitSchedule = {
      name: 'rising',
      layers(position, numLayers, out) {
        const n = Math.min(numLayers, 1 + position)
        for (let l = 0; l < numLayers; l++) out[l] = l >= numLayers - n ? 1 : 0
      },
    }
    expect(simulateCache(rising, 4, 4).missing[0]).toEqual({ layer: 2, reader: 1, position: 0 })
  })

  it('rejects bad calls', () => {
    const schedule = skipDecode({ speedup: 2, maxLength: 8, numLayers: 8 })
    expect(() => schedule.layers(0, 7, new Uint8Array(8))).toThrow(
      /numLayers 7 differs from the schedule's 8/,
    )
    expect(() => schedule.layers(-1, 8, new Uint8Array(8))).toThrow(/position must be an integer ≥ 0, got -1/)
    expect(() => schedule.layers(0, 8, new Uint8Array(4))).toThrow(/out has length 4, needs numLayers = 8/)
    expect(() => schedule.layerCount(1.5)).toThrow(/position must be an integer ≥ 0, got 1.5/)
  })
})
