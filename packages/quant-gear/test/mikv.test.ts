import { Tensor } from '@kv/tensor'
import type { SlotView } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { balancerFromPrompt, importanceTiers, mixedPrecision, slotsToDemote } from '../src/index.js'
import { contextOf, kvCase, pseudoNormal, scaleAt, tensorOf } from './arbitraries.js'
import { checkCodecContract, checkRejectsNaN } from './codec-contract.js'

/** Per-token quantization budget of a tier: half a step of the token's group (in balanced units for keys). */
const MAX_ABS_ERROR_TIER = (scale: number) => scale / 2
const FLOAT_SLACK = (magnitude: number) => magnitude * 2 ** -20 + 2 ** -149

function tiersFrom(tokens: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: tokens }, (_, t) => ((seed >>> (t % 29)) ^ t) & 1)
}

describe('mixedPrecision (MiKV)', () => {
  it('keeps each token within the bound of its tier (balanced keys mapped back)', () => {
    fc.assert(
      fc.property(kvCase(65, [3, 16, 64]), fc.integer(), fc.boolean(), (c, seed, calibrate) => {
        const codec = mixedPrecision({ high: 8, low: 3, groupSize: 16 })
        if (calibrate)
          codec.calibrate!(
            1,
            2,
            Tensor.fromF32(pseudoNormal(9 * c.headDim, seed), [9, c.headDim]),
            tensorOf(c),
          )
        const tiers = tiersFrom(c.tokens, seed)
        const block = codec.encode(tensorOf(c), contextOf(c.role, 'prefill', tiers))
        const approx = codec.decode(block)
        const b = c.role === 'key' ? codec.balancer(1, 2) : null
        expect(block.balance).toBe(b)
        for (let t = 0, h = 0, l = 0; t < c.tokens; t++) {
          const row = tiers[t] === 0 ? h++ : l++
          const m = tiers[t] === 0 ? (block.high.kind === 'quantized' ? block.high.matrix : null) : block.low
          if (m === null) throw new Error('tier 0 should be quantized at 8 bits')
          const bits = tiers[t] === 0 ? 8 : 3
          for (let d = 0; d < c.headDim; d++) {
            const i = t * c.headDim + d
            const s = b === null ? 1 : b[d]!
            // The step of this token's group of 16 channels, from the data and the tier's bits (not read
            // back from the block, which could hold a coarser one): range of the balanced values / (2^bits − 1).
            const g0 = Math.floor(d / 16) * 16
            let lo = Number.POSITIVE_INFINITY
            let hi = Number.NEGATIVE_INFINITY
            for (let g = g0; g < Math.min(c.headDim, g0 + 16); g++) {
              const x = Math.fround(c.data[t * c.headDim + g]! * (b === null ? 1 : b[g]!))
              lo = Math.min(lo, x)
              hi = Math.max(hi, x)
            }
            const step = (hi - lo) / (2 ** bits - 1)
            expect(scaleAt(m, row, d)).toBeLessThanOrEqual(step * (1 + 2 ** -20) + FLOAT_SLACK(hi - lo))
            // error of the balanced key, mapped back: |k·s − deq| / s
            const budget = (MAX_ABS_ERROR_TIER(step) + FLOAT_SLACK(Math.abs(c.data[i]! * s) * 4)) / s
            const err = Math.abs(approx[i]! - c.data[i]!)
            if (!(err <= budget * (1 + 2 ** -20) + FLOAT_SLACK(Math.abs(c.data[i]!)))) {
              throw new Error(`token ${t} (tier ${tiers[t]}) channel ${d}: error ${err} > ${budget}`)
            }
          }
        }
      }),
    )
  })

  it('balances keys: sqrt(max|q| / max|k|) per channel, scores unchanged, decode unbalanced', () => {
    const b = balancerFromPrompt(
      new Float32Array([4, -1, 0, 0.5]),
      2,
      new Float32Array([1, 100, 0, -4]),
      2,
      2,
    )
    expect(Array.from(b)).toEqual([Math.fround(Math.sqrt(4 / 1)), Math.fround(Math.sqrt(1 / 100))])
    // a key outlier channel: balancing shrinks per-token quantization error of the scores
    const tokens = 32
    const headDim = 16
    const keys = pseudoNormal(tokens * headDim, 1)
    for (let t = 0; t < tokens; t++) keys[t * headDim + 3] = keys[t * headDim + 3]! * 50
    const queries = pseudoNormal(8 * headDim, 2)
    const query = queries.subarray(0, headDim)
    const plain = mixedPrecision({ low: 2, balance: false })
    const balanced = mixedPrecision({ low: 2 })
    balanced.calibrate!(0, 0, Tensor.fromF32(queries, [8, headDim]), Tensor.fromF32(keys, [tokens, headDim]))
    const all1 = new Uint8Array(tokens).fill(1)
    const ctx = { role: 'key' as const, phase: 'prefill' as const, layer: 0, head: 0, tiers: all1 }
    const scoreError = (codec: typeof plain) => {
      const scores = new Float32Array(tokens)
      codec.dot!(codec.encode(Tensor.fromF32(keys, [tokens, headDim]), ctx), query, scores, 0)
      let e = 0
      for (let t = 0; t < tokens; t++) {
        let exact = 0
        for (let d = 0; d < headDim; d++) exact += query[d]! * keys[t * headDim + d]!
        e += (scores[t]! - exact) ** 2
      }
      return e
    }
    expect(scoreError(balanced)).toBeLessThan(scoreError(plain))
  })

  it('keeps the contract: exact select, fused dot/accumulate, honest bytes, for int8 and fp16 tiers', () => {
    fc.assert(
      fc.property(kvCase(40), fc.integer(), fc.constantFrom<8 | 'fp16'>(8, 'fp16'), (c, mask, high) => {
        const codec = mixedPrecision({ high, low: 3, groupSize: 8 })
        codec.calibrate!(1, 2, Tensor.fromF32(pseudoNormal(4 * c.headDim, mask), [4, c.headDim]), tensorOf(c))
        const tiers = tiersFrom(c.tokens, mask)
        if (high === 'fp16') {
          // A tier-0 value past float16's range (after balancing) is refused, naming it; nothing is skipped.
          const b = c.role === 'key' ? codec.balancer(1, 2) : null
          let over = false
          for (let t = 0; t < c.tokens; t++) {
            if (tiers[t] !== 0) continue
            for (let d = 0; d < c.headDim; d++)
              if (Math.abs(Math.fround(c.data[t * c.headDim + d]! * (b === null ? 1 : b[d]!))) > 65504)
                over = true
          }
          if (over) {
            expect(() => codec.encode(tensorOf(c), contextOf(c.role, 'decode', tiers))).toThrow(
              'exceeds the float16 range ±65504',
            )
            return
          }
        }
        checkCodecContract(codec, c, mask, tiers)
        const block = codec.encode(tensorOf(c), contextOf(c.role, 'decode', tiers))
        expect(codec.physicalBytes(block)).toBeGreaterThanOrEqual(
          codec.bytes(block) -
            4 * (2 + (block.high.kind === 'quantized' ? block.high.matrix.parts.length : 0)),
        )
      }),
    )
  })

  it('costs what the arithmetic says at headDim 64 (int8 / int3, group 32)', () => {
    const codec = mixedPrecision({ high: 8, low: 3, groupSize: 32, balance: false })
    const data = pseudoNormal(32 * 64, 5)
    const allHigh = codec.encode(
      Tensor.fromF32(data, [32, 64]),
      contextOf('value', 'decode', new Uint8Array(32)),
    )
    const allLow = codec.encode(
      Tensor.fromF32(data, [32, 64]),
      contextOf('value', 'decode', new Uint8Array(32).fill(1)),
    )
    // int8: 64 codes in 16 words = 64 B, 2 groups × (scale + min) = 16 B → 80 B/token; + tier bits 4 B + 2 × 4 B shape
    expect(codec.bytes(allHigh)).toBe(32 * 80 + 4 + 4 + 4)
    // int3: 10 codes per word → 7 words per 64 codes, but codes run on across rows: ceil(2048 / 10) = 205 words
    expect(codec.bytes(allLow)).toBe(205 * 4 + 32 * 16 + 4 + 4 + 4)
  })

  it('validates options, tiers and input', () => {
    expect(() => mixedPrecision({ low: 5 as 2 })).toThrow('mixedPrecision: low must be one of 2, 3, 4, got 5')
    expect(() => mixedPrecision({ hi: 8 } as never)).toThrow(
      'mixedPrecision: unknown option "hi" (did you mean',
    )
    expect(() => mixedPrecision({ groupSize: 1e9 })).toThrow(
      'mixedPrecision: groupSize must be an integer in [1, 4096]',
    )
    expect(() => mixedPrecision({ high: 4, low: 4 })).toThrow(
      'high (4 bits) must be more precise than low (4 bits)',
    )
    const codec = mixedPrecision()
    const c = { tokens: 3, headDim: 4, role: 'value' as const, data: new Float32Array(12), seed: 1 }
    expect(() => codec.encode(tensorOf(c), contextOf('value', 'decode', new Uint8Array([0, 2, 0])))).toThrow(
      'context.tiers[1] = 2, tiers are 0 and 1',
    )
    const fp16 = mixedPrecision({ high: 'fp16' })
    const big = { ...c, data: new Float32Array(12).fill(1e6) }
    expect(() => fp16.encode(tensorOf(big), contextOf('value'))).toThrow('exceeds the float16 range')
    checkRejectsNaN(codec, 'key')
  })
})

describe('importanceTiers', () => {
  it('demotes what H2O would evict: keeps the recent share and the heaviest hitters in tier 0', () => {
    const attention = new Float32Array([5, 0.1, 3, 0.2, 0.3, 4, 0.1, 0.1, 0.1, 0.1])
    const tiers = new Uint8Array(10)
    // keepHigh 0.3 → 3 high: recent ceil(0.1·10) = 1 (slot 9) + 2 heaviest (slots 0, 5)
    expect(Array.from(slotsToDemote(attention, tiers, 10, 0.3, 0.1))).toEqual([1, 2, 3, 4, 6, 7, 8])
    tiers.fill(1, 1, 5)
    expect(Array.from(slotsToDemote(attention, tiers, 10, 0.3, 0.1))).toEqual([6, 7, 8])
  })

  it('never evicts and never demotes more than (1 − keepHigh) of the slots', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (count, seed, keepHigh) => {
          const attention = pseudoNormal(count, seed).map(Math.abs)
          const policy = importanceTiers({ keepHigh, recent: Math.min(0.1, keepHigh) })
          const view = { count, attention, tiers: new Uint8Array(count) } as unknown as SlotView
          const plan = policy.plan(view)
          if (plan === null) return
          expect(plan.evict).toBeUndefined()
          const demoted = plan.demote![0]!.slots
          expect(demoted.length).toBeLessThanOrEqual(count - Math.round(keepHigh * count))
          // every demoted slot had at most the attention of every kept older slot outside the recent window
          const demotedSet = new Set(demoted)
          const kept = Array.from({ length: count }, (_, i) => i).filter((i) => !demotedSet.has(i))
          for (const d of demoted)
            for (const k of kept)
              if (k < count - Math.ceil(0.1 * count)) expect(attention[d]!).toBeLessThanOrEqual(attention[k]!)
        },
      ),
    )
  })

  it('validates options', () => {
    expect(() => importanceTiers({ keepHigh: 0 })).toThrow(
      'importanceTiers: keepHigh must be a finite number in (0, 1], got 0',
    )
    expect(() => importanceTiers({ recent: Number.NaN })).toThrow(
      'importanceTiers: recent must be a finite number',
    )
    expect(() => importanceTiers({ keepHi: 0.3 } as never)).toThrow(
      'importanceTiers: unknown option "keepHi" (did you mean "keepHigh"?)',
    )
    expect(() => importanceTiers({ keepHigh: 0.2, recent: 0.3 })).toThrow(
      'recent must be a fraction in [0, keepHigh = 0.2], got 0.3',
    )
    expect(importanceTiers().needsAttention).toBe(true)
    expect(importanceTiers().attentionPositions).toBeUndefined()
  })
})
