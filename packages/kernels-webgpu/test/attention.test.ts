import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type CacheKind,
  createDecodeAttention,
  decodeAttentionReference,
  decodePage,
  encodePage,
  type PageLayout,
  probeSubgroups,
} from '../src/index.js'
import { appendInPieces, gpuRuns, lcgFloats, testContext } from './gpu-context.js'

const ctx = await testContext()

/** Keys and values as the cache stores them: each page of each head encoded, then decoded. */
function storedKV(
  layout: PageLayout,
  keys: Float32Array,
  values: Float32Array,
  tokens: number,
  heads: number,
) {
  const D = layout.headDim
  const P = layout.pageTokens
  const k = new Float32Array(tokens * heads * D)
  const v = new Float32Array(tokens * heads * D)
  const page = new Uint32Array(layout.pageWords)
  for (let h = 0; h < heads; h++) {
    for (let p0 = 0; p0 < tokens; p0 += P) {
      const n = Math.min(P, tokens - p0)
      const kb = new Float32Array(n * D)
      const vb = new Float32Array(n * D)
      for (let t = 0; t < n; t++) {
        kb.set(keys.subarray(((p0 + t) * heads + h) * D, ((p0 + t) * heads + h + 1) * D), t * D)
        vb.set(values.subarray(((p0 + t) * heads + h) * D, ((p0 + t) * heads + h + 1) * D), t * D)
      }
      encodePage(layout, kb, vb, n, page)
      const back = decodePage(layout, page, n)
      for (let t = 0; t < n; t++) {
        k.set(back.keys.subarray(t * D, (t + 1) * D), ((p0 + t) * heads + h) * D)
        v.set(back.values.subarray(t * D, (t + 1) * D), ((p0 + t) * heads + h) * D)
      }
    }
  }
  return { k, v }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

const TOLERANCE: Record<CacheKind, number> = { f16: 2e-5, q4: 5e-5, q2: 5e-5 }

describe.skipIf(!ctx)('fused decode attention over a paged cache against the CPU reference', () => {
  const cases: Array<{
    kind: CacheKind
    qpk: number
    lengths: number[]
    target: number
    weights: boolean
    /** Default: the cache's own (on for q kinds, off for f16). */
    subgroups?: boolean
    headDim?: number
  }> = [
    // llvmpipe compiles each kernel variant (kind, head dim, group, query vec4s, logits, subgroups) for
    // 5–70 s on a cold shader cache (`pnpm --filter @kv/kernels-webgpu bench:compile`), so the cases and the
    // property test share four variants that take every path of the generated WGSL once: f16, q4 and q2;
    // one and two vec4s of query heads; with and without logits; reductions over subgroups (the q kinds'
    // default) and over workgroup trees (f16's default; q2 here). Where the device has no linear
    // subgroups, every case takes the trees.
    // f16 with logits, trees (also the property test's f16):
    { kind: 'f16', qpk: 4, lengths: [70, 33], target: 8, weights: true },
    { kind: 'f16', qpk: 1, lengths: [65], target: 1000, weights: true },
    // q4 without logits, subgroups (also the property test's q4, and @kv/runtime's q4 float32 test):
    { kind: 'q4', qpk: 4, lengths: [70, 1], target: 1000, weights: false },
    { kind: 'q4', qpk: 4, lengths: [70, 33], target: 8, weights: false },
    // q2 with logits, trees (also the property test's q2):
    { kind: 'q2', qpk: 3, lengths: [97, 64], target: 8, weights: true, subgroups: false },
    { kind: 'q2', qpk: 2, lengths: [97], target: 1000, weights: true, subgroups: false },
    // q4, two vec4s of query heads (the second partly empty), without logits, subgroups; head dim 32,
    // since this variant compiles for 50 s at 64 and 15 s at 32:
    { kind: 'q4', qpk: 6, lengths: [17, 40], target: 4, weights: false, headDim: 32 },
  ]
  for (const { kind, qpk, lengths, target, weights, subgroups, headDim: D = 64 } of cases) {
    test(`${kind}, head dim ${D}, ${qpk} query heads per KV head, lengths ${lengths.join('/')}, target ${target}, subgroups ${subgroups ?? 'by default'}`, async () => {
      const H = 2
      const batch = lengths.length
      const attn = createDecodeAttention(ctx!, {
        headDim: D,
        kvHeads: H,
        queryHeadsPerKv: qpk,
        kind,
        groupSize: 32,
        pageTokens: 32,
        batch,
        maxTokens: 128,
        targetWorkgroups: target,
        ...(subgroups === undefined ? {} : { subgroups }),
      })
      const kv = appendInPieces(attn, lengths, H, D)
      const query = lcgFloats(batch * H * qpk * D, 5, 1.5)
      const result = await attn.run(query, { weights })
      // lavapipe's subgroups are linear and 8 wide: the q kinds take them by default
      const { linear, size } = await probeSubgroups(ctx!)
      const usable = linear && size >= 4 && D % size === 0 && 32 % size === 0
      expect(attn.subgroupReductions).toBe((subgroups ?? kind !== 'f16') && usable)
      for (let b = 0; b < batch; b++) {
        const { k, v } = storedKV(attn.layout, kv[b]!.keys, kv[b]!.values, lengths[b]!, H)
        const q = query.subarray(b * H * qpk * D, (b + 1) * H * qpk * D)
        const ref = decodeAttentionReference(q, k, v, lengths[b]!, {
          headDim: D,
          kvHeads: H,
          queryHeadsPerKv: qpk,
        })
        const out = result.output.subarray(b * H * qpk * D, (b + 1) * H * qpk * D)
        expect(maxAbsDiff(out, ref.output)).toBeLessThan(TOLERANCE[kind])
        expect(maxAbsDiff(result.lse.subarray(b * H * qpk, (b + 1) * H * qpk), ref.lse)).toBeLessThan(1e-4)
        if (weights) expect(maxAbsDiff(result.weights![b]!, ref.weights)).toBeLessThan(1e-5)
      }
      attn.destroy()
    })
  }

  test('property: any length, appended in any pieces, over reset and reused pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<CacheKind>('f16', 'q4', 'q2'),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 45 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.constantFrom(1, 1e-30, 1e3),
        fc.constantFrom(1, 1e-30, 30),
        async (kind, qpk, pieces, seed, magnitude, keyScale) => {
          // the kernel variants of the cases above (f16 and q2 with logits over trees, q4 without over
          // subgroups)
          const D = 64
          const H = 1
          const attn = createDecodeAttention(ctx!, {
            headDim: D,
            kvHeads: H,
            queryHeadsPerKv: qpk,
            kind,
            groupSize: 32,
            pageTokens: 32,
            maxTokens: 200,
            targetWorkgroups: 2,
            subgroups: kind === 'q4',
          })
          // a first sequence, reset: its pages go back to the free list and are reused out of order
          attn.append(0, lcgFloats(40 * D, seed + 7), lcgFloats(40 * D, seed + 8))
          attn.reset(0)
          const n = pieces.reduce((a, b) => a + b, 0)
          const keys = lcgFloats(n * D, seed, keyScale)
          const values = lcgFloats(n * D, seed + 1, magnitude)
          if (n > 3) keys.fill(0.5, D, 3 * D) // constant rows
          let at = 0
          for (const piece of pieces) {
            attn.append(0, keys.subarray(at * D, (at + piece) * D), values.subarray(at * D, (at + piece) * D))
            at += piece
          }
          const query = lcgFloats(qpk * D, seed + 2)
          const { output, weights } = await attn.run(query, { weights: kind !== 'q4' })
          const { k, v } = storedKV(attn.layout, keys, values, n, H)
          const ref = decodeAttentionReference(query, k, v, n, {
            headDim: D,
            kvHeads: H,
            queryHeadsPerKv: qpk,
          })
          // outputs are convex combinations of values (the bound scales with their magnitude); float32
          // score errors grow with the keys' magnitude and move the weights by as much
          expect(maxAbsDiff(output, ref.output)).toBeLessThanOrEqual(
            TOLERANCE[kind] * magnitude * Math.max(1, keyScale),
          )
          if (weights !== undefined) {
            expect(maxAbsDiff(weights[0]!, ref.weights)).toBeLessThan(1e-5 * Math.max(1, keyScale))
          }
          attn.destroy()
        },
      ),
      { numRuns: gpuRuns(8) },
    )
  }, 300_000)

  test('bad input is refused without touching the cache', async () => {
    const attn = createDecodeAttention(ctx!, {
      headDim: 64,
      kvHeads: 1,
      queryHeadsPerKv: 1,
      kind: 'q4',
      pageTokens: 32,
      maxTokens: 40,
    })
    await expect(attn.run(new Float32Array(64))).rejects.toThrow(/sequence 0 is empty/)
    expect(() => attn.append(0, new Float32Array(41 * 64), new Float32Array(41 * 64))).toThrow(
      /exceed maxTokens 40/,
    )
    const bad = new Float32Array(64)
    bad[3] = Number.NaN
    expect(() => attn.append(0, bad, new Float32Array(64))).toThrow(/keys\[3\] = NaN/)
    expect(attn.length(0)).toBe(0)
    expect(() =>
      createDecodeAttention(ctx!, { headDim: 60, kvHeads: 1, queryHeadsPerKv: 1, kind: 'q4', maxTokens: 8 }),
    ).toThrow(/headDim must be a multiple of 8/)
    attn.destroy()
  })
})
